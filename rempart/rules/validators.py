"""Checks ``rempart rules lint`` runs on every loaded rule, after schema and compilation.

In the manner of pySigma's validators: one small class per check, with its description and
severity, and ``validate(rule, compiled)`` returning the problems found. Adding a check is adding
a class to ``VALIDATORS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from rempart.rules.errors import RuleError, SourceLocation
from rempart.rules.expression import FACT_NAMES, Compiled, unknown_functions
from rempart.rules.loader import load_rules
from rempart.rules.model import Rule
from rempart.rules.ruleset import RuleSet
from rempart.rules.testing import finding_codes_in
from rempart.rules.tokens import bound_names, string_value, tokenize


class Validator:
    description: ClassVar[str] = ""
    severity: ClassVar[str] = "error"

    def __init__(self, known_codes: frozenset[str] = frozenset()) -> None:
        self.known_codes = known_codes

    def issue(self, rule: Rule, message: str, line: int | None = None) -> RuleError:
        loc = SourceLocation(rule.path or "<rule>", line if line is not None else rule.condition_line,
                             None if line is not None else rule.condition_column)
        return RuleError(message, loc, rule_id=rule.id, severity=self.severity)

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        raise NotImplementedError


class TestFilesExist(Validator):
    description = "every test message a rule lists exists"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        return [self.issue(rule, f"test message not found: {path}", 1)
                for _, path in rule.test_files() if not path.is_file()]


class UnlistedTestFiles(Validator):
    description = "test messages in the rule's test folder that its tests do not list"
    severity = "warning"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        listed = {p.resolve() for _, p in rule.test_files()}
        out: list[RuleError] = []
        for sub in ("match", "nomatch"):
            folder = rule.test_dir() / sub
            if folder.is_dir():
                out.extend(self.issue(rule, f"test message not listed in tests.{sub}: {p.name}", 1)
                           for p in sorted(folder.iterdir()) if p.is_file() and p.resolve() not in listed)
        return out


class KnownFacts(Validator):
    description = "a condition reads only documented facts (docs/facts.md)"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        bound = bound_names(tokenize(rule.condition))
        unknown = sorted(v for v in compiled.program.variables()
                         if v not in FACT_NAMES and v not in bound and v != "_rx")
        return [self.issue(rule, f"'{v}' is not a fact (see docs/facts.md)") for v in unknown]


class KnownFunctions(Validator):
    description = "a condition calls only functions the CEL library provides"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        return [self.issue(rule, f"function '{f}' does not exist in the CEL library used")
                for f in unknown_functions(compiled)]


class KnownFindingCodes(Validator):
    description = "finding codes a condition names are emitted by some analyzer or listed in the catalogue"
    severity = "warning"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        if not self.known_codes:
            return []
        return [self.issue(rule, f"no analyzer emits the finding code '{c}' (typo, or not registered yet?)")
                for c in sorted(finding_codes_in(rule.condition) - self.known_codes)]


class RegexOnEveryElement(Validator):
    description = "a matches() on a comprehension variable recompiles its regex for every element"
    severity = "warning"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        if "matches" in compiled.functions:
            return [self.issue(rule, "matches() inside a comprehension is slow; prefer contains/startsWith "
                                     "there, or a matches() on a plain fact (text, subject, from.name …)")]
        return []


class ControlCharacterInString(Validator):
    description = "a string literal holds a control character meant as a regex escape (\\b read as backspace)"
    severity = "warning"

    def validate(self, rule: Rule, compiled: Compiled) -> list[RuleError]:
        # In a CEL string "\b" is a backspace, not a word boundary: a pattern written "\bants\b" never matches.
        out: list[RuleError] = []
        for token in tokenize(rule.condition):
            value = string_value(token) if token.kind == "string" else None
            bad = sorted({c for c in value or "" if c in "\a\b\f\v"})
            if bad:
                named = ", ".join({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}[c] for c in bad)
                out.append(self.issue(rule, f"a string holds {named} as a control character; in a regex write it "
                                            f"with two backslashes ({named.replace(chr(92), chr(92) * 2)})"))
        return out


VALIDATORS: tuple[type[Validator], ...] = (TestFilesExist, UnlistedTestFiles, KnownFacts, KnownFunctions,
                                          KnownFindingCodes, RegexOnEveryElement, ControlCharacterInString)


def lint(sources: Iterable[Path | str], known_codes: frozenset[str] = frozenset()) -> list[RuleError]:
    """Every problem in the rule files: schema, compilation, then each validator; sorted by file."""
    loaded = load_rules(sources)
    ruleset = RuleSet(loaded.rules)
    problems: list[RuleError] = [*loaded.errors, *ruleset.errors]
    checks: Sequence[Validator] = [v(known_codes) for v in VALIDATORS]
    for compiled in ruleset.compiled:
        for check in checks:
            problems.extend(check.validate(compiled.rule, compiled.condition))
    return sorted(problems, key=lambda e: (e.location.path if e.location else "",
                                           e.location.line or 0 if e.location else 0))


