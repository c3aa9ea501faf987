"""The shipped pack passes its own tests through the real engine (parser, registered analyzers, facts)."""

from __future__ import annotations

from rempart.config import Config
from rempart.engine.build import build_engine
from rempart.engine.verdict import Level
from rempart.rules.ruleset import RuleSet
from rempart.rules.testing import run_rule_tests
from tests.rules.conftest import PACK


def test_every_shipped_rule_passes_its_match_and_nomatch_messages(pack_config: Config) -> None:
    ruleset = RuleSet.load([PACK])
    engine = build_engine(pack_config, rules=RuleSet([], pack_config.rules))
    outcomes = run_rule_tests(ruleset.compiled, ruleset, engine)
    assert len(outcomes) >= 2 * len(ruleset.compiled)
    failures = [f"{o.rule_id}: expected {'match' if o.expected else 'no match'} on {o.path} ({o.error})"
                for o in outcomes if not o.ok]
    assert failures == []


def test_rule_hits_reach_the_verdict_with_their_own_texts(pack_config: Config) -> None:
    engine = build_engine(pack_config)
    raw = (PACK / "tests" / "bec-vip-impersonation-payment" / "match" / "ceo-freemail-transfer.eml").read_bytes()
    verdict = engine.scan(raw)
    hit = next(h for h in verdict.rule_hits if h.rule_id == "bec-vip-impersonation-payment")
    assert hit.severity == "critical" and hit.weight == 0.9 and "T1656" in hit.tags
    reason = next(r for r in verdict.reasons if r.code == "rule.bec-vip-impersonation-payment")
    assert reason.source == "rules"
    french = {r["code"]: r["text"] for r in verdict.reasons_as_dicts("fr", engine.catalogue)}
    assert french["rule.bec-vip-impersonation-payment"].startswith("Le nom affiché est celui d'un dirigeant")
    assert verdict.level == Level.MALICIOUS
    assert "rules" in verdict.timings
    listed = verdict.to_dict()["rule_hits"]
    assert any(h["id"] == "bec-vip-impersonation-payment" for h in listed)


def test_disabled_rules_are_not_evaluated(pack_config: Config) -> None:
    settings = pack_config.rules.model_copy(update={"disabled": ["bec-vip-impersonation-payment"]})
    ruleset = RuleSet.load([PACK], settings)
    assert ruleset.get("bec-vip-impersonation-payment") is None
    assert len(ruleset.compiled) == len(ruleset.all_rules) - 1


def test_gift_cards_offered_on_a_route_that_never_left_the_company_are_no_outside_request() -> None:
    # No profile: the Received trail alone proves the message stayed on the company's own servers
    # (sender.internal_route), so bec-gift-card-request ("an outside sender asks…") does not fire, though the text
    # names gift cards and codes (in its reminder that nobody will ever ask for them).
    from pathlib import Path

    raw = (Path(__file__).parents[1] / "messages" / "rules" / "giftcard-internal-route-no-profile.eml").read_bytes()
    verdict = build_engine(Config()).scan(raw)
    assert "sender.internal_route" in {f.code for f in verdict.findings}
    assert not verdict.rule_hits and verdict.level == Level.CLEAN


def test_a_bank_change_from_a_personal_address_the_profile_lists_is_not_an_unverified_sender() -> None:
    """An agent's new salary account from the Gmail address the HR file holds: still a bank change to check
    (bec-bank-detail-change), but not "from an unverified sender"; the same words from another Gmail address are."""
    from rempart.config import config_from_mapping

    config = config_from_mapping({"org": {"name": "Propreté Exemple", "domains": ["proprete-exemple.fr"],
                                          "employees": [{"name": "Sylvie Decroix",
                                                         "personal_addresses": ["sylvie.decroix62@gmail.com"]}]}})

    def rules(sender: str) -> set[str]:
        raw = (f"From: Sylvie Decroix <{sender}>\r\nTo: paie@proprete-exemple.fr\r\nSubject: Changement de RIB\r\n\r\n"
               "Bonjour, voici mon nouveau RIB pour le versement de mon salaire : "
               "FR76 1695 8012 3400 0314 1592 619\r\nSylvie Decroix\r\n").encode()
        return {h.rule_id for h in build_engine(config).scan(raw).rule_hits}

    assert "bec-bank-change-unverified-sender" not in rules("sylvie.decroix62@gmail.com")
    assert "bec-bank-change-unverified-sender" in rules("sylvie.decroix.paie@gmail.com")
