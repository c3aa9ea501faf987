"""The verdict: what the engine says about one message, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rempart.catalogue import Catalogue
from rempart.findings import Finding


class Level(StrEnum):
    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    MALICIOUS = "malicious"


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A detection rule that matched (see ``rempart.rules``)."""

    rule_id: str
    name: str
    severity: str  # informational | low | medium | high | critical
    weight: float
    description: Mapping[str, str] = field(default_factory=dict)  # lang -> text
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """One line of the explanation: a finding, a rule hit or the model, with its share of the score."""

    code: str  # finding code, ``rule.<id>`` or ``model.score``
    weight: float  # contribution to the score, in [0, 1]
    source: str  # analyzer name, ``rules`` or ``model``
    evidence: Mapping[str, Any] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)  # rule descriptions carry their own text

    def text(self, lang: str, catalogue: Catalogue) -> str:
        if lang in self.texts:
            return self.texts[lang]
        return catalogue.text(self.code, lang, self.evidence)


@dataclass(frozen=True, slots=True)
class Verdict:
    level: Level
    score: float
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]
    rule_hits: tuple[RuleHit, ...] = ()
    model_score: float | None = None
    timings: Mapping[str, float] = field(default_factory=dict)  # stage -> milliseconds
    facts: Mapping[str, Any] = field(default_factory=dict)

    def reasons_as_dicts(self, lang: str = "en", catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
        cat = catalogue or Catalogue.load_shipped()
        return [
            {"code": r.code, "text": r.text(lang, cat), "weight": round(r.weight, 4), "source": r.source}
            for r in self.reasons
        ]

    def to_dict(self, lang: str = "en", catalogue: Catalogue | None = None) -> dict[str, Any]:
        return {
            "verdict": self.level.value,
            "score": round(self.score, 4),
            "reasons": self.reasons_as_dicts(lang, catalogue),
            "findings": [f.to_dict() for f in self.findings],
            "rule_hits": [
                {"id": h.rule_id, "name": h.name, "severity": h.severity, "weight": h.weight, "tags": list(h.tags)}
                for h in self.rule_hits
            ],
            "model_score": None if self.model_score is None else round(self.model_score, 4),
            "timings_ms": {k: round(v, 3) for k, v in self.timings.items()},
        }
