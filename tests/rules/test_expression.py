from __future__ import annotations

from typing import Any

import cel
import pytest

from rempart.config import Config
from rempart.engine.facts import build_facts
from rempart.message.parse import parse_message
from rempart.rules.expression import FACT_NAMES, ConditionError, ExpressionEngine, evaluate
from rempart.rules.tokens import fact_paths, string_value, tokenize
from tests.rules.conftest import message

FACTS: dict[str, Any] = {
    "text": "votre mot de passe expire dans 3 jours", "subject": "Expiration",
    "from": {"name": "Service IT", "domain": "it-help.example", "is_org": False},
    "urls": [{"url": "https://a.example/login", "host": "a.example", "findings": ["links.free_hosting"]}],
    "finding_evidence": {"sender.lookalike_domain": {"target": "exemple-industrie.fr"}},
}


@pytest.mark.parametrize("condition", [
    'text.matches("mot de passe [a-z]+ dans \\\\d+")',
    'text.matches(r"expire dans \\d+ jours") && !from.is_org',
    '!subject.matches("^Re:") || text.matches("zzz")',
    'from.name.matches("(?i)service") && urls.exists(u, u.url.matches("login$"))',
    'finding_evidence["sender.lookalike_domain"].target.matches("industrie")',
    'text.matches("nothing here") || urls.exists(u, "links.free_hosting" in u.findings)',
])
def test_hoisted_regexes_give_the_same_answer_as_cel(condition: str) -> None:
    engine = ExpressionEngine()
    compiled = engine.compile(condition)
    assert "_rx(" in compiled.rewritten
    native = cel.compile(condition).execute(cel.Context(variables=FACTS))
    assert evaluate(compiled, engine.context(FACTS)) == (native, None)


def test_only_the_facts_rules_read_are_converted() -> None:
    engine = ExpressionEngine()
    engine.compile('text.matches("x") && from.is_org')
    assert engine.roots == {"from"}  # text is read through the regex set, never converted


def test_errors_are_no_match_and_reported() -> None:
    engine = ExpressionEngine()
    compiled = engine.compile('from.missing_field == "x"')
    matched, error = evaluate(compiled, engine.context(FACTS))
    assert not matched and error
    non_bool = engine.compile("subject")
    assert evaluate(non_bool, engine.context(FACTS)) == (False, "the condition returned str, not a boolean")


def test_compile_errors_carry_an_offset() -> None:
    engine = ExpressionEngine()
    with pytest.raises(ConditionError) as err:
        engine.compile('text.contains("a") &&\n (from.is_org ||')
    assert err.value.offset is not None and err.value.offset > 20
    with pytest.raises(ConditionError) as bad:
        engine.compile('subject == "x" && text.matches("(unclosed")')
    assert "regular expression" in bad.value.message and bad.value.offset == 18


def test_fact_names_are_exactly_what_build_facts_returns() -> None:
    msg = parse_message(message("Camille <c@example.org>", "Hello", "Body"), Config().limits)
    assert set(build_facts(msg, [], Config().org)) == FACT_NAMES


def test_lexer_reads_strings_and_paths() -> None:
    tokens = tokenize('finding_evidence["a.b"].target == r"\\d" && urls.exists(u, u.host == \'x\\\'y\')')
    assert [string_value(t) for t in tokens if t.kind == "string"] == ["a.b", "\\d", "x'y"]
    assert fact_paths(tokens, FACT_NAMES) == ['finding_evidence["a.b"].target', "urls"]


def test_projected_facts_give_the_same_answers_on_the_pack_tests() -> None:
    """Converting only the keys rules read must never change a rule's answer."""
    from rempart.config import load_config
    from rempart.engine.build import build_engine
    from rempart.rules.ruleset import RuleSet
    from rempart.rules.testing import FactsCache
    from tests.rules.conftest import PACK, PROFILE

    config = load_config(PROFILE)
    ruleset = RuleSet.load([PACK])
    cache = FactsCache(build_engine(config, rules=RuleSet([])))
    messages = sorted((PACK / "tests").rglob("*.eml"))[::3]
    assert ruleset.engine.usage["urls"] is not None  # the projection is really in use
    for path in messages:
        facts = cache.facts(path)
        projected = ruleset.engine.context(facts)
        full = ruleset.engine.context(facts, roots=FACT_NAMES)
        for compiled in ruleset.compiled:
            assert evaluate(compiled.condition, projected) == evaluate(compiled.condition, full), (
                compiled.rule.id, path.name)
