"""The unit every analyzer produces: a coded, weighted, evidenced observation.

Human text never lives here: it comes from the catalogue (`rempart.catalogue`), keyed by `code`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation about a message.

    code: stable dotted id, e.g. ``sender.display_name_impersonation``.
    weight: in [0, 1], how strongly this finding alone points to an attack (0 = informative only).
    evidence: JSON-serialisable facts that justify it; the catalogue text may cite its keys.
    span: optional (start, end) offsets in the text the finding is about.
    source: the analyzer (or stage) that produced it; the engine fills it in.
    """

    code: str
    weight: float
    evidence: Mapping[str, Any] = field(default_factory=dict)
    span: tuple[int, int] | None = None
    source: str = ""

    def with_source(self, source: str) -> Finding:
        return Finding(self.code, self.weight, self.evidence, self.span, source)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "weight": round(self.weight, 4), "evidence": dict(self.evidence)}
        if self.span is not None:
            out["span"] = list(self.span)
        if self.source:
            out["source"] = self.source
        return out
