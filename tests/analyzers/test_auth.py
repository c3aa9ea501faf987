"""Authentication results: trusted vs forged, several headers, ARC, Received-SPF, own DKIM checks."""

from __future__ import annotations

import base64
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rempart.analyzers import auth
from rempart.analyzers.base import Context, Resources
from rempart.config import Config, Limits, config_from_mapping
from rempart.dns import ZoneResolver, install_resolver
from rempart.findings import Finding
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).parent.parent / "messages" / "identity"
MX = "mx.exemple-industrie.fr"
PROFILE = {
    "org": {
        "name": "Exemple Industrie",
        "domains": ["exemple-industrie.fr"],
        "vips": [{"name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr"}],
        "vendors": [{"name": "Logistique Marchand", "domains": ["logistique-marchand.fr"]}],
        "brands": [{"name": "Lumen", "domains": ["lumen-numerique.fr"]}],
    },
    "auth": {"trusted_authserv_ids": [MX]},
}


def config(**auth_settings: object) -> Config:
    data = {**PROFILE, "auth": {**PROFILE["auth"], **auth_settings}}
    return config_from_mapping(data)


def build(headers: list[str], sender: str = "Someone <someone@example.org>") -> bytes:
    lines = [*headers, f"From: {sender}", "To: nicolas.blanc@exemple-industrie.fr", "Subject: test",
             "Date: Mon, 16 Nov 2026 10:00:00 +0100", "Message-ID: <t@example.org>", "", "Bonjour.", ""]
    return "\r\n".join(lines).encode("utf-8")


def run(raw: bytes, cfg: Config | None = None, resources: Resources | None = None) -> list[Finding]:
    cfg = cfg or config()
    resources = resources or Resources(cfg)
    message = parse_message(raw, Limits())
    return list(auth.analyze(message, Context(cfg, resources)))


def results(findings: list[Finding]) -> dict[str, object]:
    return dict(next(f for f in findings if f.code == "auth.results").evidence)


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


# --- parsing ------------------------------------------------------------------------------------


def test_parse_microsoft_style_without_authserv_id() -> None:
    value = ("spf=softfail (sender IP is 202.129.206.234) smtp.mailfrom=suksapan.or.th; dkim=none "
             "(message not signed) header.d=none;dmarc=none action=none header.from=suksapan.or.th;"
             "compauth=fail reason=001")
    parsed = auth.parse_authentication_results(value)
    assert parsed.authserv_id == ""
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "softfail"), ("dkim", "none"), ("dmarc", "none"), ("compauth", "fail")]
    assert parsed.results[0].props["smtp.mailfrom"] == "suksapan.or.th"


def test_parse_tolerates_comments_quotes_versions_and_missing_semicolons() -> None:
    value = ('mx.google.com 1; dkim=pass header.i=@exemple.fr header.s=s1 header.b="a;b" dkim=fail '
             '(bad (nested) sig) header.d=other.example; spf=pass (google.com: domain of x@y.fr '
             'designates 1.2.3.4 as permitted sender) smtp.mailfrom=x@y.fr; dmarc = pass '
             '(p=NONE sp=NONE dis=NONE) header.from=exemple.fr; arc=none')
    parsed = auth.parse_authentication_results(value)
    assert parsed.authserv_id == "mx.google.com"
    summary = auth.summarise(list(parsed.results), trusted=True, authserv_id=parsed.authserv_id, source="x")
    assert (summary.spf, summary.dkim, summary.dmarc, summary.arc) == ("pass", "pass", "pass", "none")
    assert summary.dkim_domains == ("exemple.fr",)
    assert summary.dkim_failed_domains == ("other.example",)
    assert summary.spf_domain == "y.fr"


def test_parse_arc_instance_and_none() -> None:
    parsed = auth.parse_authentication_results("i=2; mx.exemple-industrie.fr; none", arc=True)
    assert (parsed.instance, parsed.authserv_id, parsed.results) == (2, MX, ())
    assert auth.normalise_result("HardFail") == "fail"
    assert auth.normalise_result("weird") == "neutral"


def test_a_discussion_list_breaking_the_authors_dkim_is_a_weak_failure() -> None:
    """Sympa rewrote the subject: the author's DKIM broke, the list's domain signs and sends. Still reported."""
    ar = (f"Authentication-Results: {MX}; dkim=pass header.d=reseau-ehpad-exemple.fr; "
          "dkim=fail header.d=ehpad-tulle-exemple.fr; spf=pass smtp.mailfrom=listes.reseau-ehpad-exemple.fr; "
          "dmarc=fail (p=none) header.from=ehpad-tulle-exemple.fr")
    listed = build([ar, "List-Id: <dir-ehpad.listes.reseau-ehpad-exemple.fr>"], "P L <p.l@ehpad-tulle-exemple.fr>")
    dmarc = next(f for f in run(listed) if f.code == "auth.dmarc_fail")
    assert dmarc.weight <= 0.2 and dmarc.evidence["list"] == "reseau-ehpad-exemple.fr"
    # the same failure with no list, or a list whose domain did not sign, is a forgery's
    for headers in ([ar], [ar.replace("dkim=pass header.d=reseau-ehpad-exemple.fr; ", ""),
                          "List-Id: <dir-ehpad.listes.reseau-ehpad-exemple.fr>"]):
        dmarc = next(f for f in run(build(headers, "P L <p.l@ehpad-tulle-exemple.fr>")) if f.code == "auth.dmarc_fail")
        assert dmarc.weight >= 0.5 and "list" not in dmarc.evidence


# --- trusted or not -----------------------------------------------------------------------------


def test_only_the_trusted_authserv_id_is_believed() -> None:
    findings = run((MESSAGES / "internal-spoof.eml").read_bytes())
    evidence = results(findings)
    assert evidence["trusted"] is True and evidence["authserv_id"] == MX
    assert (evidence["spf"], evidence["dkim"], evidence["dmarc"]) == ("fail", "none", "fail")
    dmarc = next(f for f in findings if f.code == "auth.dmarc_fail")
    assert dmarc.weight >= 0.5 and dmarc.evidence["domain"] == "exemple-industrie.fr"
    # the forged "pass" from mx.attacker.example changed nothing, and no trust was granted
    assert "auth.trusted_sender" not in codes(findings)
    # SPF failing is the cause of the DMARC failure: reported once, not twice
    assert "auth.spf_fail" not in codes(findings)


def test_untrusted_results_alone_are_ignored_and_said_so() -> None:
    raw = build(["Authentication-Results: mx.attacker.example; "
                 "spf=pass smtp.mailfrom=logistique-marchand.fr; dkim=pass header.d=logistique-marchand.fr; "
                 "dmarc=pass header.from=logistique-marchand.fr"],
                sender="Logistique Marchand <factures@logistique-marchand.fr>")
    findings = run(raw)
    evidence = results(findings)
    assert evidence["trusted"] is False and evidence["dmarc"] == "none"
    note = next(f for f in findings if f.code == "auth.no_trusted_results")
    assert note.weight == 0 and note.evidence["authserv_ids_seen"] == ["mx.attacker.example"]
    assert "auth.trusted_sender" not in codes(findings)


def test_no_trusted_id_configured_is_one_informational_finding() -> None:
    cfg = config_from_mapping({"org": PROFILE["org"]})
    findings = run((MESSAGES / "vendor-genuine.eml").read_bytes(), cfg)
    notes = [f for f in findings if f.code == "auth.no_trusted_authserv"]
    assert len(notes) == 1 and notes[0].weight == 0
    assert notes[0].evidence["authserv_ids_seen"] == [MX]
    assert all(f.weight == 0 for f in findings)


def test_several_trusted_headers_are_merged_per_method() -> None:
    findings = run((MESSAGES / "vendor-genuine.eml").read_bytes())
    evidence = results(findings)
    assert (evidence["spf"], evidence["dkim"], evidence["dmarc"]) == ("pass", "pass", "pass")
    assert evidence["dkim_domains"] == ["logistique-marchand.fr"]
    assert evidence["spf_domain"] == "logistique-marchand.fr"


def test_topmost_trusted_header_wins_over_a_lower_forged_copy() -> None:
    raw = build([f"Authentication-Results: {MX}; dkim=fail header.d=logistique-marchand.fr; dmarc=fail "
                 "header.from=logistique-marchand.fr",
                 "Received: from x by mx.exemple-industrie.fr; Mon, 16 Nov 2026 10:00:00 +0100",
                 f"Authentication-Results: {MX}; dkim=pass header.d=logistique-marchand.fr; dmarc=pass "
                 "header.from=logistique-marchand.fr"],
                sender="Logistique Marchand <factures@logistique-marchand.fr>")
    evidence = results(run(raw))
    assert (evidence["dkim"], evidence["dmarc"]) == ("fail", "fail")


# --- findings -----------------------------------------------------------------------------------


def test_genuine_vendor_earns_moderate_trust() -> None:
    findings = run((MESSAGES / "vendor-genuine.eml").read_bytes())
    trust = next(f for f in findings if f.code == "auth.trusted_sender")
    assert -0.5 <= trust.weight <= -0.2
    assert trust.evidence["target_kind"] == "vendor"
    assert trust.evidence["target_name"] == "Logistique Marchand"
    assert not [f for f in findings if f.weight > 0]


def test_brand_that_carries_user_content_earns_less_trust() -> None:
    raw = build([f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=docusign.net; dkim=pass "
                 "header.d=docusign.net; dmarc=pass header.from=docusign.net"],
                sender="DocuSign <dse@eumail.docusign.net>")
    trust = next(f for f in run(raw) if f.code == "auth.trusted_sender")
    assert -0.2 <= trust.weight < 0
    raw = build([f"Authentication-Results: {MX}; dkim=pass header.d=ovh.com; dmarc=pass header.from=ovh.com"],
                sender="OVHcloud <noreply@ovh.com>")
    trust = next(f for f in run(raw) if f.code == "auth.trusted_sender")
    assert trust.weight <= -0.3


def test_an_open_platforms_envelope_answering_to_anonymous_free_mail_earns_no_trust() -> None:
    """DocuSign is proven, its author is not: an envelope whose Reply-To is a free-mail account the profile does not
    list is vouched for by nobody (round 52's "notary" on outlook.fr)."""
    headers = [f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=docusign.net; dkim=pass "
               "header.d=docusign.net; dmarc=pass header.from=docusign.net",
               "Reply-To: Sandrine Py <sandrine.py.notaire@outlook.fr>"]
    trust = next(f for f in run(build(headers, sender="Sandrine Py via Docusign <dse@eumail.docusign.net>"))
                 if f.code == "auth.trusted_sender")
    assert trust.weight == 0.0
    own = [headers[0], "Reply-To: Sandrine Py <s.py@office-notarial-exemple.fr>"]
    trust = next(f for f in run(build(own, sender="Sandrine Py via Docusign <dse@eumail.docusign.net>"))
                 if f.code == "auth.trusted_sender")
    assert -0.2 <= trust.weight < 0


def test_the_organisations_own_authenticated_mail_earns_moderate_trust() -> None:
    # A colleague's mail checked by the organisation's own MX: less suspicious than a stranger's, but a taken-over
    # mailbox passes too, so the trust is moderate (a strong lure keeps most of its weight).
    raw = build([f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=exemple-industrie.fr; dkim=pass "
                 "header.d=exemple-industrie.fr; dmarc=pass header.from=exemple-industrie.fr"],
                sender="Nicolas Blanc <nicolas.blanc@exemple-industrie.fr>")
    trust = next(f for f in run(raw) if f.code == "auth.trusted_sender")
    assert -0.3 <= trust.weight <= -0.2 and trust.evidence["target_kind"] == "org"
    forged = build([f"Authentication-Results: {MX}; spf=fail smtp.mailfrom=exemple-industrie.fr; dkim=none; "
                    "dmarc=fail header.from=exemple-industrie.fr"],
                   sender="Nicolas Blanc <nicolas.blanc@exemple-industrie.fr>")
    assert "auth.trusted_sender" not in codes(run(forged))


def test_free_mail_passing_dmarc_earns_no_trust() -> None:
    findings = run((MESSAGES / "ceo-freemail.eml").read_bytes())
    assert results(findings)["dmarc"] == "pass"
    assert "auth.trusted_sender" not in codes(findings)


def test_aligned_dkim_without_dmarc_also_earns_trust() -> None:
    raw = build([f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=bounces.mailer.example; "
                 "dkim=pass header.d=logistique-marchand.fr"],
                sender="Logistique Marchand <factures@logistique-marchand.fr>")
    trust = next(f for f in run(raw) if f.code == "auth.trusted_sender")
    assert trust.evidence["method"] == "dkim"


@pytest.mark.parametrize(
    ("spf", "code", "weight"),
    [("fail", "auth.spf_fail", 0.15), ("softfail", "auth.spf_fail", 0.08)],
)
def test_spf_failures_are_weak(spf: str, code: str, weight: float) -> None:
    raw = build([f"Authentication-Results: {MX}; spf={spf} smtp.mailfrom=example.org; dkim=pass "
                 "header.d=example.org; dmarc=pass header.from=example.org"])
    finding = next(f for f in run(raw) if f.code == code)
    assert finding.weight == weight and finding.evidence["domain"] == "example.org"


def test_dkim_failure_and_no_aligned_authentication() -> None:
    raw = build([f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=bulk.example.net; "
                 "dkim=fail header.d=example.org; dmarc=none header.from=example.org"])
    findings = run(raw)
    assert {"auth.dkim_fail", "auth.no_aligned_auth"} <= codes(findings)
    assert all(0 < f.weight <= 0.2 for f in findings if f.code in ("auth.dkim_fail", "auth.no_aligned_auth"))


def test_arc_results_fill_in_and_arc_failure() -> None:
    findings = run((MESSAGES / "forwarded-arc.eml").read_bytes())
    evidence = results(findings)
    assert evidence["source"] == "arc-authentication-results" and evidence["trusted"] is True
    assert (evidence["dmarc"], evidence["arc"]) == ("fail", "pass")  # the forwarder's i=1 "pass" is not ours
    raw = build([f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=example.org; dkim=pass "
                 "header.d=example.org; dmarc=pass header.from=example.org; arc=fail"])
    assert "auth.arc_fail" in codes(run(raw))


def test_received_spf_only_when_topmost_and_untrusted() -> None:
    top = build(["Received-SPF: Fail (mx.exemple-industrie.fr: domain of x@example.org does not designate "
                 "203.0.113.5 as permitted sender) envelope-from=x@example.org;",
                 "Received: from a by mx.exemple-industrie.fr; Mon, 16 Nov 2026 10:00:00 +0100"])
    findings = run(top)
    evidence = results(findings)
    assert (evidence["source"], evidence["spf"], evidence["trusted"]) == ("received-spf", "fail", False)
    assert evidence["spf_domain"] == "example.org"
    assert "auth.spf_fail" in codes(findings)
    below = build(["Received: from a by mx.exemple-industrie.fr; Mon, 16 Nov 2026 10:00:00 +0100",
                   "Received-SPF: Pass (forged by the sender) envelope-from=x@example.org;"])
    assert results(run(below))["source"] == "none"


def test_results_always_present_with_the_documented_keys() -> None:
    evidence = results(run(build([])))
    keys = {"spf", "dkim", "dmarc", "arc", "dkim_domains", "spf_domain", "trusted", "authserv_id"}
    assert set(evidence) >= keys
    assert evidence["spf"] == "none" and evidence["trusted"] is False


def test_codes_have_catalogue_entries() -> None:
    from rempart.catalogue import Catalogue

    catalogue = Catalogue.load_shipped()
    for code in auth.CODES:
        assert catalogue.has(code, "en") and catalogue.has(code, "fr"), code


# --- own DKIM verification ----------------------------------------------------------------------


def _key_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(public).decode("ascii")


@pytest.fixture(scope="module")
def signed() -> tuple[bytes, ZoneResolver]:
    private, public = _key_pair()
    raw = build([], sender="Logistique Marchand <factures@logistique-marchand.fr>")
    signature = dkim.sign(raw, b"s2026", b"logistique-marchand.fr", private,
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    zone = ZoneResolver({"s2026._domainkey.logistique-marchand.fr": f"v=DKIM1; k=rsa; p={public}"})
    return signature + raw, zone


def test_own_dkim_verification_through_a_zone(signed: tuple[bytes, ZoneResolver]) -> None:
    raw, zone = signed
    checks = auth.verify_dkim_signatures(raw, zone)
    assert [(c.domain, c.valid) for c in checks] == [("logistique-marchand.fr", True)]
    tampered = raw.replace(b"Bonjour.", b"Merci de payer sur le nouveau compte.")
    assert [c.valid for c in auth.verify_dkim_signatures(tampered, zone)] == [False]
    assert [c.valid for c in auth.verify_dkim_signatures(raw, ZoneResolver({}))] == [False]


def test_analyzer_says_when_it_cannot_verify_dkim(signed: tuple[bytes, ZoneResolver]) -> None:
    raw, zone = signed
    cfg = config(verify_dkim=True)
    resources = Resources(cfg)
    note = next(f for f in run(raw, cfg, resources) if f.code == "auth.dkim_unverified")
    # Message has no raw bytes yet (see auth's docstring); with them, the zone below would be used.
    assert note.weight == 0 and note.evidence["reason"] in ("no_raw_message", "no_resolver")
    install_resolver(resources, zone)
    assert run(raw, cfg, resources)  # still a clean scan with a resolver and no raw bytes


def test_own_dkim_result_replaces_the_headers_dkim(signed: tuple[bytes, ZoneResolver]) -> None:
    raw, zone = signed
    untrusted = auth.AuthSummary(spf="none", dkim="none")
    merged = auth._with_own_dkim(untrusted, auth.verify_dkim_signatures(raw, zone))
    assert (merged.dkim, merged.dkim_domains) == ("pass", ("logistique-marchand.fr",))
    assert merged.dkim_verified
    assert auth.has_aligned_pass(merged, "logistique-marchand.fr")


def test_engine_verifies_dkim_from_the_raw_bytes_when_enabled() -> None:
    """End to end: parse keeps the exact bytes, the engine's installed resolver supplies the key."""
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from rempart.config import config_from_mapping
    from rempart.dns import ZoneResolver, install_resolver
    from rempart.engine import Engine

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    zone = {"sel._domainkey.vendor.example": "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()}
    body = (b"From: Billing <billing@vendor.example>\r\nTo: a@org.example\r\nSubject: Invoice\r\n"
            b"Date: Mon, 02 Nov 2026 10:00:00 +0100\r\nMessage-ID: <1@vendor.example>\r\n\r\nInvoice attached.\r\n")
    signature = dkim.sign(body, b"sel", b"vendor.example", private, include_headers=[b"from", b"to", b"subject"])
    config = config_from_mapping({"auth": {"verify_dkim": True}})
    engine = Engine(config)
    install_resolver(engine.resources, ZoneResolver(zone))
    results = next(f for f in engine.scan(signature + body).findings if f.code == "auth.results")
    assert results.evidence["dkim"] == "pass" and results.evidence["dkim_verified"] is True
    tampered = engine.scan(signature + body.replace(b"Invoice attached.", b"Pay to FR76 0000."))
    assert next(f for f in tampered.findings if f.code == "auth.results").evidence["dkim"] == "fail"


@pytest.mark.parametrize(("value", "stripped"), [
    ("mx.example; spf=pass smtp.mailfrom=a.example", "mx.example; spf=pass smtp.mailfrom=a.example"),
    ("mx.example; dkim=pass (2048-bit key; unprotected) header.d=a.example",
     "mx.example; dkim=pass  header.d=a.example"),
    ("a (b (c) d) e) f (g", "a  e) f "),  # nested, a stray ")" kept, an unclosed comment dropped
    ('mx; dkim=pass header.b="x(y)"(note) z', 'mx; dkim=pass header.b="x(y)" z'),  # quoted parentheses kept
    ("mx; spf=pass \\(not a comment) x", "mx; spf=pass \\(not a comment) x"),
])
def test_comments_are_stripped_outside_quotes(value: str, stripped: str) -> None:
    assert auth._strip_comments(value) == stripped


@pytest.mark.parametrize(("value", "pieces"), [
    ("mx.example; spf=pass;; dkim=fail ", ["mx.example", "spf=pass", "dkim=fail"]),
    ('mx; x="a;b"; dmarc=pass', ["mx", 'x="a;b"', "dmarc=pass"]),
])
def test_results_split_at_unquoted_semicolons(value: str, pieces: list[str]) -> None:
    assert auth._split_semicolons(value) == pieces


def test_the_organisations_mail_filter_company_is_trusted_for_its_own_domain_only() -> None:
    """The MX is a filtering service (its authserv-id names it): its authenticated quarantine digests are its own
    mail. A look-alike of its domain, a forged copy, or an authserv-id on a free-mail provider earns nothing."""
    cfg = config(trusted_authserv_ids=["mx1.filtre-exemple.fr"])
    ar = "Authentication-Results: mx1.filtre-exemple.fr; dkim=pass header.d={d}; dmarc={r} header.from={d}"
    digest = build([ar.format(d="filtre-exemple.fr", r="pass")], sender="Filtre <quarantaine@filtre-exemple.fr>")
    trust = next(f for f in run(digest, cfg) if f.code == "auth.mail_gateway_sender")
    assert trust.weight < 0 and trust.evidence["gateway"] == "filtre-exemple.fr"
    lookalike = build([ar.format(d="filtre-exemple-notification.fr", r="pass")],
                      sender="Filtre <quarantaine@filtre-exemple-notification.fr>")
    forged = build([ar.format(d="filtre-exemple.fr", r="fail").replace("dkim=pass", "dkim=fail")],
                   sender="Filtre <quarantaine@filtre-exemple.fr>")
    assert "auth.mail_gateway_sender" not in codes(run(lookalike, cfg)) | codes(run(forged, cfg))
    outlook = config(trusted_authserv_ids=["protection.outlook.com"])
    free = build(["Authentication-Results: protection.outlook.com; dkim=pass header.d=outlook.com; dmarc=pass "
                  "header.from=outlook.com"], sender="Anyone <anyone@outlook.com>")
    assert "auth.mail_gateway_sender" not in codes(run(free, outlook))


def test_a_filtering_company_that_is_also_a_brand_is_still_the_organisations_mail_filter() -> None:
    """Hornetsecurity is a brand (its look is copied for fake quarantine digests) and, for an organisation whose MX
    it is, the writer of its real digests: the digest is read as the filter's, which quotes the lures it held."""
    cfg = config(trusted_authserv_ids=["mx-gate.hornetsecurity.com"])
    ar = ("Authentication-Results: mx-gate.hornetsecurity.com; dkim=pass header.d=hornetsecurity.com; dmarc=pass"
          " header.from=hornetsecurity.com")
    digest = build([ar], sender="Hornetsecurity <quarantine@hornetsecurity.com>")
    assert "auth.mail_gateway_sender" in codes(run(digest, cfg))
    # for an organisation filtered by someone else, it is the brand's mail
    other = config(trusted_authserv_ids=["mx.filtre-exemple.fr"])
    elsewhere = build([ar.replace("mx-gate.hornetsecurity.com", "mx.filtre-exemple.fr")],
                      sender="Hornetsecurity <quarantine@hornetsecurity.com>")
    assert "auth.mail_gateway_sender" not in codes(run(elsewhere, other))
