"""The facts document: per-URL and per-attachment finding codes come from the findings' evidence."""

from __future__ import annotations

from rempart.config import Config, Limits
from rempart.engine.facts import build_facts
from rempart.findings import Finding
from rempart.message.parse import parse_message

RAW = (
    b"From: a@example.org\r\nTo: b@example.org\r\nSubject: liens\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain\r\n\r\nVoir http://198.51.100.7/login et https://exemple.fr/a\r\n"
    b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f.bin"\r\n\r\n'
    b"data\r\n--b--\r\n"
)


def test_url_and_attachment_findings_are_read_from_evidence() -> None:
    message = parse_message(RAW, Limits())
    sha = message.attachments[0].sha256
    findings = [
        Finding("links.ip_host", 0.4, {"url": "http://198.51.100.7/login"}),
        Finding("links.raw_ip", 0.1, {"url": "http://198.51.100.7/login"}),
        Finding("links.other", 0.1, {"url": "https://elsewhere.example/"}),
        Finding("attachment.odd", 0.2, {"sha256": sha}),
        Finding("intent.x", 0.2, {"url": ""}),
    ]
    facts = build_facts(message, findings, Config().org)
    by_url = {u["url"]: u["findings"] for u in facts["urls"]}
    assert by_url == {"http://198.51.100.7/login": ["links.ip_host", "links.raw_ip"], "https://exemple.fr/a": []}
    assert facts["attachments"][0]["findings"] == ["attachment.odd"]
    assert facts["headers"]["subject"] == ["liens"]


def _lookalike(technique: str, public_brand: bool) -> Finding:
    return Finding("sender.lookalike_domain", 0.6, {
        "domain": "douane.nl", "target": "douane.gouv.fr", "target_kind": "brand", "technique": technique,
        "public_brand": public_brand})


def test_a_public_brand_under_another_suffix_is_not_a_forged_identity_for_rules() -> None:
    message = parse_message(RAW, Limits())
    swap = build_facts(message, [_lookalike("tld_swap", True)], Config().org)["from"]
    assert (swap["lookalike_of"], swap["lookalike_target"], swap["lookalike_other_suffix"]) == ("", "", True)
    # the organisation's declared brand under another suffix, or a look-alike spelling, keeps counting
    declared = build_facts(message, [_lookalike("tld_swap", False)], Config().org)["from"]
    homoglyph = build_facts(message, [_lookalike("homoglyph", True)], Config().org)["from"]
    assert declared["lookalike_of"] == homoglyph["lookalike_of"] == "brand"
    assert not declared["lookalike_other_suffix"] and not homoglyph["lookalike_other_suffix"]


def test_the_brand_whose_own_domain_sends() -> None:
    """from.brand names the brand of a regional bank's own domain; free mail and open platforms are no brand."""
    from rempart.engine.build import build_engine

    engine = build_engine(Config())

    def brand(sender: str) -> str:
        raw = (f"From: Service <{sender}>\r\nTo: b@example.org\r\nSubject: x\r\n\r\nBonjour\r\n").encode()
        return str(engine.scan(raw).facts["from"]["brand"])

    assert brand("ne-pas-repondre@ca-sudrhonealpes.fr") == "Crédit Agricole"
    assert brand("someone@outlook.com") == ""  # Microsoft's free mail: anyone's
    assert brand("dse@docusign.net") == ""  # an open platform: anyone writes the text
    assert brand("contact@fournisseur-exemple.fr") == ""


def test_with_no_organisation_links_on_the_recipients_own_domain_are_the_organisations() -> None:
    """An IT notice linking to the company's intranet does not send the reader away, even with no profile;
    a free-mail recipient's provider is nobody's organisation."""
    from rempart.engine.build import build_engine

    engine = build_engine(Config())

    def is_org(to: str, url: str) -> bool:
        raw = (f"From: IT <it@fonderie-martel.fr>\r\nTo: {to}\r\nSubject: MFA\r\n\r\nGuide : {url}\r\n").encode()
        facts = engine.scan(raw).facts
        return bool(next(u for u in facts["urls"] if u["url"] == url)["is_org"])

    assert is_org("tous@fonderie-martel.fr", "https://intranet.fonderie-martel.fr/mfa")
    assert not is_org("tous@fonderie-martel.fr", "https://fonderie-martel-mfa.example/login")
    assert not is_org("someone@gmail.com", "https://mail.gmail.com/")


def test_with_no_profile_a_sender_on_an_internal_route_is_the_organisation() -> None:
    """The Received trail proves the message never left the recipients' own servers (sender.internal_route): its
    sender's domain is the organisation's, for the rules as for a profile. Only with that proof."""
    message = parse_message(RAW, Limits())
    inside = build_facts(message, [Finding("sender.internal_route", -0.2, {})], Config().org)
    assert inside["from"]["is_org"] is True
    assert build_facts(message, [], Config().org)["from"]["is_org"] is False


def test_a_link_is_the_senders_own_only_when_dmarc_proves_the_from_domain() -> None:
    """``is_sender_own``: the link's registrable domain is the From domain's and DMARC passed; a spoofed From
    linking to the brand's real site, or a proven sender linking elsewhere, is not."""
    from rempart.config import config_from_mapping
    from rempart.engine.build import build_engine

    engine = build_engine(config_from_mapping({"auth": {"trusted_authserv_ids": ["mx.client-exemple.fr"]}}))

    def own(dmarc: str, url: str) -> bool:
        raw = ("From: Agence <notifications@voyages-exemple.fr>\r\nTo: compta@client-exemple.fr\r\n"
               f"Authentication-Results: mx.client-exemple.fr; spf=pass smtp.mailfrom=voyages-exemple.fr;"
               f" dmarc={dmarc} header.from=voyages-exemple.fr\r\nSubject: Votre mot de passe\r\n\r\n"
               f"Renouvelez-le : {url}\r\n").encode()
        facts = engine.scan(raw).facts
        return bool(next(u for u in facts["urls"] if u["url"] == url)["is_sender_own"])

    assert own("pass", "https://extranet.voyages-exemple.fr/compte")
    assert not own("fail", "https://extranet.voyages-exemple.fr/compte")
    assert not own("pass", "https://voyages-exemple-compte.example/login")
