"""Rule tests: every rule runs on the messages it lists as ``match`` and ``nomatch``.

The messages go through the real engine (parser, registered analyzers, facts), so a rule is tested
on the same facts it will see in production. A ``match`` test that fails only because the rule reads
finding codes that no registered analyzer emits is reported as *skipped*, naming the codes, rather
than failed: the rule is waiting for an analyzer, not wrong.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rempart.engine.engine import Engine
from rempart.message.parse import parse_message
from rempart.rules.expression import evaluate
from rempart.rules.ruleset import CompiledRule, RuleSet
from rempart.rules.tokens import LexError, string_value, tokenize

CODE_FAMILIES = frozenset({"auth", "sender", "links", "intent", "attachment", "attachments", "payload",
                           "message", "correlate", "engine", "lookalike", "model"})


@dataclass(frozen=True, slots=True)
class TestOutcome:
    rule_id: str
    path: str
    expected: bool
    matched: bool
    error: str | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is not None or (self.error is None and self.matched == self.expected)


def finding_codes_in(condition: str) -> set[str]:
    """Finding codes a condition names (string literals such as ``"intent.gift_card_request"``)."""
    try:
        tokens = tokenize(condition)
    except LexError:
        return set()
    codes = set()
    for t in tokens:
        if t.kind == "string":
            value = string_value(t) or ""
            head, dot, _ = value.partition(".")
            if dot and head in CODE_FAMILIES and " " not in value:
                codes.add(value)
    return codes


def known_codes(engine: Engine) -> set[str]:
    """Every finding code the engine's analyzers can emit (their modules' ``CODES``)."""
    codes: set[str] = {"engine.analyzer_error", "engine.implicit_org"}
    for _, analyze in engine.analyzers:
        module = sys.modules.get(getattr(analyze, "__module__", ""))
        codes |= set(getattr(module, "CODES", ()))
    return codes


class FactsCache:
    """Facts of each test message, computed once even when several rules list it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._facts: dict[Path, dict[str, Any]] = {}

    def facts(self, path: Path) -> dict[str, Any]:
        if path not in self._facts:
            message = parse_message(path.read_bytes(), self.engine.config.limits)
            findings, _ = self.engine.run_analyzers(message)
            self._facts[path] = self.engine.facts_for(message, findings)
        return self._facts[path]


def run_rule_tests(rules: Iterable[CompiledRule], ruleset: RuleSet, engine: Engine) -> list[TestOutcome]:
    cache = FactsCache(engine)
    available = known_codes(engine)
    outcomes: list[TestOutcome] = []
    for compiled in rules:
        rule = compiled.rule
        missing = sorted(finding_codes_in(rule.condition) - available)
        for expected, path in rule.test_files():
            if not path.is_file():
                outcomes.append(TestOutcome(rule.id, str(path), expected, False, "test message not found"))
                continue
            facts: Mapping[str, Any] = cache.facts(path)
            matched, error = evaluate(compiled.condition, ruleset.context(facts))
            skipped = None
            if expected and not matched and error is None and missing:
                skipped = "needs findings no registered analyzer emits: " + ", ".join(missing)
            outcomes.append(TestOutcome(rule.id, str(path), expected, matched, error, skipped))
    return outcomes
