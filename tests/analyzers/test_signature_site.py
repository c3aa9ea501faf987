"""The website a sender signs with against the domain it writes from (purchase-order fraud from a domain built
on a real company's name). Messages written for the project."""

from __future__ import annotations

from rempart.analyzers import auth, sender
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.signature_site import built_on, signature_site_mismatch
from rempart.config import Limits, config_from_mapping
from rempart.message.parse import parse_message

SIGNED = ("Dear Thomas,\n\nPlease find our purchase order attached; delivery DAP under bond to our partner.\n\n"
          "Kind regards,\n\n--\nOliver Bennett\nSenior Buyer\nMajestic Wine Warehouses Ltd\nmajestic.co.uk\n")


def test_a_domain_built_on_the_signed_sites_name() -> None:
    found = signature_site_mismatch("majesticwine-trade.co.uk", SIGNED)
    assert found is not None and (found.site, found.domain) == ("majestic.co.uk", "majesticwine-trade.co.uk")
    assert signature_site_mismatch("majestic.co.uk", SIGNED) is None  # its own site
    assert signature_site_mismatch("majestic.com", SIGNED) is None  # same name, other suffix: ordinary
    assert signature_site_mismatch("winetrade.co.uk", SIGNED) is None  # unrelated
    assert not built_on("dhl-express.fr", "dhl.com")  # names too short to say
    # a site in the quoted history of a reply is not the sender's signature
    quoted = "Thanks, noted.\nPaul\n\nFrom: Oliver <o@majestic.co.uk>\nSent: Monday\n\nmajestic.co.uk\n"
    assert signature_site_mismatch("majesticwine-trade.co.uk", quoted) is None


def _codes(raw: str) -> set[str]:
    config = config_from_mapping({})
    message = parse_message(raw.encode("utf-8"), Limits())
    context = Context(config, Resources(config))
    context.findings.extend(auth.analyze(message, context))
    return {f.code for f in sender.analyze(message, context)}


def _mail(from_header: str, extra: str = "") -> str:
    return (f"From: {from_header}\r\nTo: thomas@negociant-exemple.fr\r\nSubject: PO\r\n{extra}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + SIGNED.replace("\n", "\r\n"))


def test_only_a_persons_mailbox_outside_any_list() -> None:
    assert "sender.signature_site_lookalike" in _codes(
        _mail("Oliver Bennett <oliver.bennett@majesticwine-trade.co.uk>"))
    # companies send notices from domains built on their name (autodeskcommunications.com, cvent-planner.com)
    assert "sender.signature_site_lookalike" not in _codes(_mail("Majestic <news@majesticwine-trade.co.uk>"))
    assert "sender.signature_site_lookalike" not in _codes(
        _mail("Oliver Bennett <oliver.bennett@majesticwine-trade.co.uk>", "List-Unsubscribe: <https://x.example/u>\r\n"))
