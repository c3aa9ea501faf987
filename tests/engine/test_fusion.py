import pytest

from rempart.engine.fusion import fuse, level_for, noisy_or
from rempart.engine.verdict import Level, RuleHit
from rempart.findings import Finding


def test_noisy_or_bounds() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([1.0, 0.2]) == 1.0


def test_same_code_counts_once_at_strongest() -> None:
    findings = [Finding("links.shortener", 0.2), Finding("links.shortener", 0.3), Finding("intent.payment", 0.4)]
    score, reasons = fuse(findings, [], None, weights={})
    assert score == pytest.approx(1 - 0.7 * 0.6)
    assert [r.code for r in reasons] == ["intent.payment", "links.shortener"]


def test_contributions_sum_is_consistent_and_ordered() -> None:
    findings = [Finding("a", 0.6), Finding("b", 0.3)]
    score, reasons = fuse(findings, [RuleHit("r1", "R", "high", 0.5, {"en": "rule"})], None, weights={})
    assert score == pytest.approx(1 - 0.4 * 0.7 * 0.5)
    assert reasons[0].code == "a" and reasons[1].code == "rule.r1"
    assert all(r.weight > 0 for r in reasons)


def test_trust_signal_scales_down_and_is_listed_last() -> None:
    score, reasons = fuse([Finding("a", 0.5), Finding("auth.trusted", -0.5)], [], None, weights={})
    assert score == pytest.approx(0.25)
    assert reasons[-1].code == "auth.trusted" and reasons[-1].weight < 0


def test_hard_evidence_is_not_damped_by_authentication() -> None:
    # An IBAN not on file from an authenticated vendor or colleague is what a taken-over mailbox sends: the trust
    # finding stays listed, at 0, and the score keeps its weight.
    findings = [Finding("intent.vendor_iban_mismatch", 0.8), Finding("auth.trusted_sender", -0.3)]
    score, reasons = fuse(findings, [], None, weights={})
    assert score == pytest.approx(0.8)
    assert reasons[-1].code == "auth.trusted_sender" and reasons[-1].weight == 0.0
    # Below the hard-evidence weight, or with a higher one configured, trust damps as before.
    assert fuse(findings, [], None, weights={}, hard_evidence=0.9)[0] == pytest.approx(0.56)
    # An organisation's own trust rule (an allowlist) is its explicit decision: it always applies.
    allow = RuleHit("allow-partner", "Allow partner", "info", -0.5, {"en": "allowlisted"})
    assert fuse(findings[:1], [allow], None, weights={})[0] == pytest.approx(0.4)
    # The model's probability is never hard evidence.
    assert fuse([Finding("a", 0.3), findings[1]], [], 0.9, weights={}, model_weight=1.0)[0] < 1 - 0.7 * 0.1


def test_config_weight_override_and_silence() -> None:
    score, reasons = fuse([Finding("a", 0.8), Finding("b", 0.5)], [], None, weights={"a": 0.0, "b": 0.1})
    assert score == pytest.approx(0.1)
    assert [r.code for r in reasons] == ["b"]


def test_model_is_one_signal_among_others() -> None:
    score, reasons = fuse([Finding("a", 0.5)], [], 0.9, weights={}, model_weight=0.5)
    assert score == pytest.approx(1 - 0.5 * (1 - 0.45))
    assert {r.code for r in reasons} == {"a", "model.score"}


def test_levels() -> None:
    assert level_for(0.49, 0.5, 0.8) is Level.CLEAN
    assert level_for(0.5, 0.5, 0.8) is Level.SUSPICIOUS
    assert level_for(0.8, 0.5, 0.8) is Level.MALICIOUS


def test_malicious_needs_one_decisive_signal() -> None:
    from rempart.engine.fusion import has_decisive_signal

    soft = [Finding(f"soft.{i}", 0.4) for i in range(5)]
    assert not has_decisive_signal(soft, [], minimum=0.6, weights={})
    assert level_for(0.95, 0.5, 0.8, decisive=False) is Level.SUSPICIOUS
    assert has_decisive_signal([*soft, Finding("hard", 0.7)], [], minimum=0.6, weights={})
    assert not has_decisive_signal([Finding("hard", 0.7)], [], minimum=0.6, weights={"hard": 0.3})
    assert has_decisive_signal([], [RuleHit("r", "R", "high", 0.7)], minimum=0.6, weights={})
