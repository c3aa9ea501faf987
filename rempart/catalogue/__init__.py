"""Human text for every finding and rule code, in English and French.

Texts live in ``rempart/catalogue/data/*.toml`` (one file per area), as
``["code"] en = "..." fr = "..."``. A text may cite evidence keys: ``{domain}``. A missing key is
shown as ``?`` rather than failing: an explanation must never break a scan.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

LANGUAGES = ("en", "fr")


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _display(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value[:5]) + ("…" if len(value) > 5 else "")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class Catalogue:
    def __init__(self, entries: Mapping[str, Mapping[str, str]]) -> None:
        self.entries = dict(entries)

    @classmethod
    def load_shipped(cls) -> Catalogue:
        return _shipped()

    def has(self, code: str, lang: str) -> bool:
        return lang in self.entries.get(code, {})

    def text(self, code: str, lang: str = "en", evidence: Mapping[str, Any] | None = None) -> str:
        entry = self.entries.get(code)
        if entry is None:
            return code
        template = entry.get(lang) or entry.get("en") or code
        values = _Lenient({k: _display(v) for k, v in (evidence or {}).items()})
        try:
            return template.format_map(values)
        except (ValueError, IndexError, AttributeError):
            return template


@lru_cache(maxsize=1)
def _shipped() -> Catalogue:
    entries: dict[str, dict[str, str]] = {}
    folder = importlib_resources.files("rempart.catalogue").joinpath("data")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            for code, texts in tomllib.loads(item.read_text(encoding="utf-8")).items():
                entries[code] = {lang: str(t) for lang, t in texts.items()}
    return Catalogue(entries)
