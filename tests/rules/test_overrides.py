from __future__ import annotations

from pathlib import Path

from rempart.config import Config, config_from_mapping
from rempart.engine.build import build_engine
from rempart.engine.fusion import fuse
from rempart.engine.verdict import RuleHit
from rempart.findings import Finding
from tests.rules.conftest import PROFILE, message, write


def _config(tmp_path: Path, rules: dict[str, object]) -> Config:
    import tomllib

    data = tomllib.loads(PROFILE.read_text(encoding="utf-8"))
    data["rules"] = rules
    return config_from_mapping(data)


BANK_CHANGE = ("Bonjour, merci de noter nos nouvelles coordonnées bancaires pour le règlement de nos factures : "
               "IBAN FR76 1820 6000 4512 3456 7890 123.")


def test_negative_rule_hits_damp_the_score_like_trust_findings() -> None:
    finding = Finding("x.signal", 0.6, source="t")
    plain, _ = fuse([finding], [], None, weights={})
    trusted, reasons = fuse([finding], [RuleHit("org.allowlist.domain", "allow", "informational", -0.7,
                                                {"en": "trusted", "fr": "de confiance"})], None, weights={})
    assert abs(trusted - plain * 0.3) < 1e-9
    assert reasons[-1].code == "rule.org.allowlist.domain" and reasons[-1].weight < 0
    assert reasons[-1].texts["fr"] == "de confiance"


def test_allowlisted_domain_is_trusted_only_when_dmarc_passes(tmp_path: Path) -> None:
    engine = build_engine(_config(tmp_path, {"allow": {"domains": ["partenaire-banque.fr"]}}))
    good = engine.scan(message("Compta <compta@partenaire-banque.fr>", "RIB", BANK_CHANGE, dmarc="pass"))
    spoofed = engine.scan(message("Compta <compta@partenaire-banque.fr>", "RIB", BANK_CHANGE, dmarc="fail"))
    assert any(h.rule_id == "org.allowlist.domain" and h.weight < 0 for h in good.rule_hits)
    assert not any(h.rule_id.startswith("org.allowlist") for h in spoofed.rule_hits)
    assert spoofed.score > good.score


def test_block_lists_hit_sender_domain_url_host_and_hash(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"block": {"domains": ["mauvais.example"], "url_hosts": ["piege.example"]}})
    verdict = build_engine(cfg).scan(message("X <x@sub.mauvais.example>", "Hi",
                                             "Voir https://login.piege.example/a"))
    ids = {h.rule_id for h in verdict.rule_hits}
    assert {"org.blocklist.domain", "org.blocklist.url_host"} <= ids
    assert verdict.score >= 0.9


def test_extra_rule_directories_are_loaded_and_rules_can_be_disabled(tmp_path: Path) -> None:
    write(tmp_path / "org-rules" / "ours" / "org-supplier-portal.yaml", """id: org-supplier-portal
name: Our supplier portal
description:
  en: Mentions our supplier portal.
  fr: Mentionne notre portail fournisseurs.
severity: low
tags: [T1566.002]
condition: text.contains("portail fournisseurs")
tests:
  match: [m.eml]
  nomatch: [n.eml]
""")
    cfg = _config(tmp_path, {"extra_dirs": [str(tmp_path / "org-rules")], "disabled": ["bec-gift-card-request"]})
    engine = build_engine(cfg)
    assert engine.rules is not None
    ids = {c.rule.id for c in engine.rules.compiled}  # type: ignore[attr-defined]
    assert "org-supplier-portal" in ids and "bec-gift-card-request" not in ids
    verdict = engine.scan(message("A <a@b.example>", "Portail", "Connectez-vous au portail fournisseurs."))
    assert any(h.rule_id == "org-supplier-portal" and h.weight == 0.2 for h in verdict.rule_hits)
