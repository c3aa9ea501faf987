"""Errors of the rule layer, each able to say where in a rule file it was found.

RempartError
 └── RuleError            one problem in one rule file (file:line:column, rule id, severity)
      └── RuleLoadError   several RuleErrors collected while loading: all of them, not just the first

Like pySigma, loading *collects* errors instead of stopping at the first one, so a rule author
sees every problem of every file at once (``rempart rules lint``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rempart.errors import RempartError


@dataclass(frozen=True, slots=True)
class SourceLocation:
    path: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        out = self.path
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


class RuleError(RempartError):
    """A problem in a rule file. ``severity`` is ``error`` (the rule cannot load) or ``warning``."""

    def __init__(self, message: str, location: SourceLocation | None = None, *, rule_id: str = "",
                 severity: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.rule_id = rule_id
        self.severity = severity

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{where}{self.severity}: {self.message}{rule}"

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {"path": loc.path if loc else "", "line": loc.line if loc else None,
                "column": loc.column if loc else None, "severity": self.severity,
                "rule_id": self.rule_id, "message": self.message}


class RuleLoadError(RuleError):
    """Rules could not be loaded; ``errors`` holds every problem found, in file order."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else RuleError("no error")
        more = f" (and {len(self.errors) - 1} more; run 'rempart rules lint')" if len(self.errors) > 1 else ""
        super().__init__(f"{first}{more}", None)

    def __str__(self) -> str:
        return self.message
