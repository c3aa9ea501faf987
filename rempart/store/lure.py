"""Lure type of a verdict ("payment_fraud", "credential_phishing", …) from its reasons' code families.

The mapping is data (``data/lure_types.toml``, documented there and in docs/service.md); this module
only applies it. Computed once when a case is stored, so statistics group by a column.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

NONE = "none"
OTHER = "other"


@cache
def _table() -> tuple[tuple[str, str, str], ...]:
    """(prefix, type, kind) sorted longest prefix first."""
    text = resources.files("rempart.store").joinpath("data/lure_types.toml").read_text(encoding="utf-8")
    rows = [
        (prefix, name, str(spec["kind"]))
        for name, spec in tomllib.loads(text).items()
        for prefix in spec["prefixes"]
    ]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def lure_types() -> list[str]:
    """Every type the mapping can produce, goals first, then ``other`` and ``none``."""
    seen: dict[str, str] = {}
    for _prefix, name, kind in _table():
        seen.setdefault(name, kind)
    goals = sorted(n for n, k in seen.items() if k == "goal")
    means = sorted(n for n, k in seen.items() if k != "goal")
    return [*goals, *means, OTHER, NONE]


def _classify(code: str) -> tuple[str, str] | None:
    for prefix, name, kind in _table():
        if code.startswith(prefix):
            return name, kind
    return None


def lure_type(level: str, reasons: Iterable[Mapping[str, Any]]) -> str:
    """``reasons``: dicts with ``code`` and ``weight`` (the verdict's reasons, by contribution)."""
    if level == "clean":
        return NONE
    goal: dict[str, float] = {}
    means: dict[str, float] = {}
    for reason in reasons:
        found = _classify(str(reason.get("code", "")))
        if found is None:
            continue
        name, kind = found
        bucket = goal if kind == "goal" else means
        bucket[name] = bucket.get(name, 0.0) + float(reason.get("weight", 0.0))
    for bucket in (goal, means):
        if bucket:
            return max(sorted(bucket), key=lambda n: bucket[n])
    return OTHER
