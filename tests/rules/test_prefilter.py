"""The rule prefilter: cheap necessary checks read from a condition, and CEL run only when they pass.

Whatever the prefilter skips must be a condition CEL would call false: ``RuleSet.matching`` is
compared with running every condition in CEL over the full facts.
"""

from __future__ import annotations

from typing import Any

import pytest

from rempart.rules.expression import FACT_NAMES, ExpressionEngine, evaluate
from rempart.rules.model import Rule, Severity
from rempart.rules.ruleset import RuleSet


def _required(condition: str) -> tuple[Any, ...]:
    return ExpressionEngine().compile(condition).required


@pytest.mark.parametrize(("condition", "expected"), [
    ('!from.is_org && text.matches("iban")', ((("bool", ("from", "is_org", False)),), (("rx", 0),))),
    ('"intent.x" in findings || "intent.y" in findings', ((("finding", "intent.x"), ("finding", "intent.y")),)),
    ('from.lookalike_of == "org"', ((("eq", ("from", "lookalike_of", "org")),),)),
    ('from.is_org || text.matches("x")', ((("bool", ("from", "is_org", True)), ("rx", 0)),)),
    ('text.contains("docusign") && urls.exists(u, u.scheme == "https")',
     ((("contains", ("text", "docusign")),), (("nonempty", "urls"),))),
    # a parenthesised || of checks is one group; an && inside an || contributes one of its checks
    ('(thread.in_reply_to || thread.reply_subject) && from.is_freemail',
     ((("bool", ("thread", "in_reply_to", True)), ("bool", ("thread", "reply_subject", True))),
      (("bool", ("from", "is_freemail", True)),))),
    ('"a.b" in findings || (attachments.exists(a, a.encrypted) && text.matches("mdp"))',
     ((("finding", "a.b"), ("nonempty", "attachments")),)),
    # an item must hold a code the predicate needs; under || inside the predicate, only non-empty
    ('urls.exists(u, u.scheme == "http" && "links.ip_host" in u.findings)',
     ((("member", ("urls", "findings", "links.ip_host")),),)),
    ('urls.exists(u, u.scheme == "http" || "links.ip_host" in u.findings)', ((("nonempty", "urls"),),)),
])
def test_necessary_checks_are_read_from_the_condition(condition: str, expected: tuple[Any, ...]) -> None:
    assert _required(condition) == expected


@pytest.mark.parametrize("condition", [
    'from.is_org || size(urls) > 2',  # a side without a cheap check: nothing is necessary
    'from.is_org ? text.matches("x") : true',  # a ternary at the top level
    '!(from.is_org && text.matches("x"))',  # a negated group
    'size(urls) > 0',
    'urls.exists(u, u.is_org) == false',
    'from.lookalike_of != "org"',
    'urls.filter(u, u.is_org).exists(u, u.scheme == "http")',
])
def test_no_check_is_assumed_when_none_is_certain(condition: str) -> None:
    assert _required(condition) == ()


def _rule(i: int, condition: str) -> Rule:
    return Rule(id=f"r{i}", name=f"rule {i}", description={"en": "x", "fr": "x"}, severity=Severity.LOW,
                condition=condition)


CONDITIONS = [
    '!from.is_org && text.matches("virement|iban")',
    'from.is_org && text.matches("virement")',
    '"intent.payment_request" in findings || urls.exists(u, u.scheme == "http")',
    'from.lookalike_of == "org" && reply_to.exists(r, r.domain != from.domain)',
    'text.contains("docusign") && urls.exists(u, !u.is_org)',
    '(thread.in_reply_to || thread.reply_subject) && !from.is_org && attachments.exists(a, a.macros)',
    'from.missing_key && text.matches("virement")',  # an error in CEL: never a match either way
    'text.matches("virement") && from.lookalike_of == ""',
    '!from.is_org && urls.exists(u, u.scheme in ["http", "https"] && "links.ip_host" in u.findings)',
]


def _facts(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "text": "merci de faire le virement sur ce nouvel iban", "subject": "Virement",
        "from": {"domain": "fournisseur.example", "is_org": False, "lookalike_of": "", "is_freemail": False},
        "reply_to": [{"domain": "autre.example"}],
        "urls": [{"scheme": "https", "is_org": False}],
        "attachments": [],
        "findings": ["intent.payment_request"],
        "thread": {"in_reply_to": True, "reply_subject": False},
    }
    facts.update(overrides)
    return facts


@pytest.mark.parametrize("facts", [
    _facts(),
    _facts(text="bonjour", findings=[]),
    _facts(**{"from": {"domain": "exemple.fr", "is_org": True, "lookalike_of": "org", "is_freemail": True}}),
    _facts(urls=[], reply_to=[], findings=[], text="docusign: sign here"),
    _facts(attachments=[{"macros": True}], thread={"in_reply_to": False, "reply_subject": True}),
    _facts(findings="not a list", urls="not a list"),
    _facts(urls=[{"scheme": "http", "is_org": False, "findings": ["links.ip_host"]}]),
    _facts(urls=[{"scheme": "http", "is_org": False, "findings": ["links.other"]}, {"scheme": "https"}]),
    _facts(urls=[{"scheme": "http", "findings": {"links.ip_host": 1}}, "not a map"]),
    _facts(urls=[{"scheme": "http", "findings": "links.ip_host"}]),
    {"text": 5},
])
def test_prefiltered_matching_answers_what_cel_answers(facts: dict[str, Any]) -> None:
    ruleset = RuleSet([_rule(i, c) for i, c in enumerate(CONDITIONS)])
    assert all(c.condition.required for c in ruleset.compiled[:6])
    full = ruleset.engine.context(facts, roots=FACT_NAMES)
    expected = [c.rule.id for c in ruleset.compiled if evaluate(c.condition, full)[0]]
    assert [c.rule.id for c in ruleset.matching(facts)] == expected


def test_the_pack_gives_the_same_answers_with_and_without_the_prefilter() -> None:
    from rempart.config import load_config
    from rempart.engine.build import build_engine
    from rempart.rules.testing import FactsCache
    from tests.rules.conftest import PACK, PROFILE

    ruleset = RuleSet.load([PACK])
    assert sum(1 for c in ruleset.compiled if c.condition.required) > len(ruleset.compiled) // 2
    cache = FactsCache(build_engine(load_config(PROFILE), rules=RuleSet([])))
    matched = 0
    for path in sorted((PACK / "tests").rglob("*.eml"))[::2]:
        facts = cache.facts(path)
        full = ruleset.engine.context(facts, roots=FACT_NAMES)
        expected = [c.rule.id for c in ruleset.compiled if evaluate(c.condition, full)[0]]
        assert [c.rule.id for c in ruleset.matching(facts)] == expected, path.name
        matched += len(expected)
    assert matched > 0


def test_a_pattern_set_runs_only_while_a_condition_reading_it_can_pass() -> None:
    ruleset = RuleSet([_rule(0, '!from.is_org && text.matches("virement") && text.matches("iban")'),
                       _rule(1, 'from.is_org && text.matches("facture")')])
    outside = _facts()
    results, _ = ruleset.engine.truth(outside)
    assert results == [True, True, False]  # rule 1 is out (from.is_org is false): "facture" is not run
    assert [c.rule.id for c in ruleset.matching(outside)] == ["r0"]
    inside = _facts(**{"from": {"is_org": True}}, text="votre facture: virement")
    results, _ = ruleset.engine.truth(inside)
    # "virement" shares the first set with "facture" (each rule's first pattern); "iban" is not run
    assert results == [True, False, True]
    assert [c.rule.id for c in ruleset.matching(inside)] == ["r1"]


def test_a_condition_calling_the_pattern_function_another_way_reads_every_pattern() -> None:
    from rempart.rules.expression import _pattern_reads

    assert _pattern_reads('_rx(0) && _rx(12) || x == "_rx(3)"') == frozenset({0, 12})
    assert _pattern_reads("_rx(0) && _rx(size(urls))") is None


def test_the_context_keeps_only_the_keys_the_running_conditions_read() -> None:
    from rempart.rules.expression import _merged_usage

    engine = ExpressionEngine()
    shape = engine.compile('urls.exists(u, u.scheme == "http")')
    domain = engine.compile('urls.exists(u, u.domain == "x.example") && from.is_org')
    whole = engine.compile("size(urls) > 1")
    assert _merged_usage([shape], engine.usage) == {"urls": {"scheme"}}
    assert _merged_usage([shape, domain], engine.usage) == {"urls": {"scheme", "domain"}, "from": {"is_org"}}
    assert _merged_usage([shape, whole], engine.usage) == {"urls": None}
    facts = {"urls": [{"scheme": "http", "domain": "x.example", "path": "/"}], "from": {"is_org": True}}
    for readers in ([shape], [domain], [shape, domain, whole]):
        ctx = engine.context(facts, regex=lambda i: False, only={"urls", "from"}, readers=readers)
        assert all(evaluate(c, ctx) == evaluate(c, engine.context(facts, roots=FACT_NAMES)) for c in readers)
