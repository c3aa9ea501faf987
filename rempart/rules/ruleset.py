"""The loaded, compiled rules: what the engine calls for every message (``RuleSet.evaluate``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rempart.config import RulesSettings
from rempart.engine.verdict import RuleHit
from rempart.rules.errors import RuleError, RuleLoadError, SourceLocation
from rempart.rules.expression import Compiled, ConditionError, ExpressionEngine, evaluate
from rempart.rules.loader import LoadResult, condition_node, load_rules, pack_sources
from rempart.rules.model import Rule
from rempart.rules.overrides import list_hits


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    condition: Compiled

    def hit(self) -> RuleHit:
        r = self.rule
        return RuleHit(r.id, r.name, r.severity.value, r.effective_weight, dict(r.description), r.tags)


def condition_error(rule: Rule, err: ConditionError) -> RuleError:
    """A compile error located in the rule file (line and column inside the condition when known)."""
    line, column = rule.condition_line, rule.condition_column
    if err.offset is not None and rule.path and Path(rule.path).is_file():
        found = condition_node(Path(rule.path))
        if found is not None:
            f, node = found
            # "unexpected end of input" points past the last character: show the end of the last line
            offset = min(err.offset, max(len(rule.condition.rstrip()) - 1, 0))
            line, column = f.text_position(node, offset)
    return RuleError(err.message, SourceLocation(rule.path or "<rule>", line, column), rule_id=rule.id)


class RuleSet:
    """Rules compiled once; ``evaluate(facts)`` converts the facts once and runs every enabled rule."""

    def __init__(self, rules: Sequence[Rule], settings: RulesSettings | None = None) -> None:
        self.settings = settings or RulesSettings()
        self.engine = ExpressionEngine()
        self.errors: list[RuleError] = []
        disabled = set(self.settings.disabled)
        self.all_rules: list[Rule] = list(rules)
        self.compiled: list[CompiledRule] = []
        for rule in rules:
            try:
                compiled = self.engine.compile(rule.condition)
            except ConditionError as err:
                self.errors.append(condition_error(rule, err))
                continue
            if rule.id not in disabled:
                self.compiled.append(CompiledRule(rule, compiled))
        self._filters = [(c, self.engine.filter_for(c.condition)) for c in self.compiled]
        self.eval_errors = 0  # conditions that failed at run time on some message (counted, never raised)
        self.seconds = 0.0

    @classmethod
    def load(cls, sources: Iterable[Path | str], settings: RulesSettings | None = None,
             *, strict: bool = True) -> RuleSet:
        """Load and compile; with ``strict`` any load or compile error raises ``RuleLoadError``."""
        loaded: LoadResult = load_rules(sources)
        ruleset = cls(loaded.rules, settings)
        errors = loaded.fatal + ruleset.errors
        if strict and errors:
            raise RuleLoadError(errors)
        return ruleset

    @classmethod
    def from_config(cls, settings: RulesSettings) -> RuleSet:
        """The shipped pack plus the organisation's extra directories, with its overrides."""
        return cls.load(pack_sources(settings.extra_dirs), settings)

    @property
    def rules(self) -> list[Rule]:
        return [c.rule for c in self.compiled]

    def get(self, rule_id: str) -> CompiledRule | None:
        return next((c for c in self.compiled if c.rule.id == rule_id), None)

    def context(self, facts: Mapping[str, Any]) -> Any:
        return self.engine.context(facts)

    def matching(self, facts: Mapping[str, Any]) -> list[CompiledRule]:
        results, truth = self.engine.truth(facts)
        # Conditions whose cheap checks (patterns, finding codes, booleans, non-empty lists) all hold;
        # the others are false whatever CEL would say, and are not run.
        passed = [(c, c.condition) for c, f in self._filters if f.passes(truth)]
        out: list[CompiledRule] = []
        if not passed:
            return out
        roots = frozenset().union(*(condition.roots for _, condition in passed))
        ctx = self.engine.context(facts, regex=results.__getitem__, only=roots,
                                  readers=[condition for _, condition in passed])
        for c, condition in passed:
            matched, error = evaluate(condition, ctx)
            if error is not None:
                self.eval_errors += 1
            elif matched:
                out.append(c)
        return out

    def evaluate(self, facts: Mapping[str, Any]) -> list[RuleHit]:
        t0 = time.perf_counter()
        hits = [c.hit() for c in self.matching(facts)]
        if facts.get("auth", {}).get("dmarc") == "fail":  # trust rules never vouch for a DMARC failure
            hits = [h for h in hits if h.weight >= 0]
        hits.extend(list_hits(self.settings, facts))
        self.seconds += time.perf_counter() - t0
        return hits
