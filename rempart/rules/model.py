"""What a detection rule is, once loaded: the validated content of one YAML file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# How much a hit counts in the engine's noisy-OR fusion (docs/rules.md). A rule may set its own
# ``weight`` instead; a negative weight makes the rule a trust signal (an allowlist).
SEVERITY_WEIGHTS: Mapping[Severity, float] = {
    Severity.INFORMATIONAL: 0.0,
    Severity.LOW: 0.2,
    Severity.MEDIUM: 0.4,
    Severity.HIGH: 0.7,
    Severity.CRITICAL: 0.9,
}


@dataclass(frozen=True, slots=True)
class RuleTests:
    match: tuple[str, ...] = ()  # file names under tests/<rule-id>/match/
    nomatch: tuple[str, ...] = ()  # file names under tests/<rule-id>/nomatch/


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    description: Mapping[str, str]  # lang -> text, "en" and "fr"
    severity: Severity
    condition: str
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    tests: RuleTests = field(default_factory=RuleTests)
    weight: float | None = None  # overrides the severity's weight; negative = trust
    author: str = ""
    path: str = ""  # the file it was loaded from ("" when built in code)
    root: str = ""  # the rule directory it belongs to (tests live in <root>/tests/<id>/)
    condition_line: int = 1  # where the condition starts in the file, for error locations
    condition_column: int = 1

    @property
    def effective_weight(self) -> float:
        return SEVERITY_WEIGHTS[self.severity] if self.weight is None else self.weight

    def test_dir(self) -> Path:
        return Path(self.root) / "tests" / self.id

    def test_files(self) -> list[tuple[bool, Path]]:
        """(should_match, path) for every listed test message."""
        base = self.test_dir()
        return ([(True, base / "match" / n) for n in self.tests.match]
                + [(False, base / "nomatch" / n) for n in self.tests.nomatch])
