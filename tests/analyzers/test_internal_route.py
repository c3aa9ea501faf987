"""Mail that travelled only between the organisation's own servers (analyzers/internal_route.py)."""

from __future__ import annotations

from rempart.analyzers.internal_route import travelled_inside
from rempart.config import Config, Limits, config_from_mapping
from rempart.engine.build import build_engine
from rempart.message.parse import parse_message

INTERNAL = (
    "Received: from smtp.fonderie-martel.fr ([10.10.1.22])\r\n\tby mbx01.fonderie-martel.fr with LMTPS;"
    " Fri, 13 Mar 2026 08:03:00 +0100\r\n"
    "Received: from PC-DIR-01.martel.local (unknown [10.20.4.17])\r\n\t(Authenticated sender: claire.martel)\r\n"
    "\tby smtp.fonderie-martel.fr (Postfix) with ESMTPSA; Fri, 13 Mar 2026 08:02:56 +0100\r\n"
)
FROM_OUTSIDE = (
    "Received: from mx1.fonderie-martel.fr ([10.10.1.21])\r\n\tby mbx01.fonderie-martel.fr with LMTPS;"
    " Fri, 13 Mar 2026 08:03:00 +0100\r\n"
    "Received: from smtp.fonderie-martel.fr (vps-118.relay.example [193.42.33.118])\r\n"
    "\tby mx1.fonderie-martel.fr (Postfix) with ESMTP; Fri, 13 Mar 2026 08:02:56 +0100\r\n"
)
BODY = ("From: Claire Martel <claire.martel@fonderie-martel.fr>\r\n"
        "To: Julien Roche <julien.roche@fonderie-martel.fr>\r\nSubject: Acompte\r\n\r\n"
        "Peux-tu faire partir le virement de l'acompte aujourd'hui ?\r\n")
ORG = config_from_mapping({"org": {"name": "Fonderie Martel", "domains": ["fonderie-martel.fr"]},
                           "auth": {"trusted_authserv_ids": ["mx1.fonderie-martel.fr"]}})


def _codes(raw: str, config: Config) -> set[str]:
    return {f.code for f in build_engine(config).scan(raw.encode()).findings}


def test_a_colleagues_mail_through_the_companys_servers_travelled_inside() -> None:
    assert travelled_inside(parse_message((INTERNAL + BODY).encode(), Limits()), ["fonderie-martel.fr"])


def test_the_mx_taking_it_from_a_public_address_is_outside_whatever_the_helo_says() -> None:
    assert not travelled_inside(parse_message((FROM_OUTSIDE + BODY).encode(), Limits()), ["fonderie-martel.fr"])
    assert not travelled_inside(parse_message(BODY.encode(), Limits()), ["fonderie-martel.fr"])  # no trail at all


def test_the_sender_analyzer_reports_the_route_with_and_without_a_profile() -> None:
    assert "sender.internal_route" in _codes(INTERNAL + BODY, ORG)
    assert "sender.internal_route" in _codes(INTERNAL + BODY, Config())  # sender's domain is the recipients'
    outside = _codes(FROM_OUTSIDE + BODY, ORG)
    assert "sender.internal_route" not in outside and "sender.internal_unverifiable" in outside
    to_someone_else = (INTERNAL + BODY).replace("julien.roche@fonderie-martel.fr", "julien@client-exemple.fr")
    assert "sender.internal_route" not in _codes(to_someone_else, Config())


def test_an_on_premises_exchange_named_in_its_private_network() -> None:
    """Exchange servers on an Active Directory domain (EX01.hpt.intern) write every line of a colleague's mail."""
    exchange = ("Received: from EX02.hpt.intern (10.20.1.22) by EX01.hpt.intern (10.20.1.21) with Microsoft SMTP"
                " Server id 15.2.1748.36; Thu, 22 Oct 2026 11:40:23 +0200\r\n")
    assert travelled_inside(parse_message((exchange + BODY).encode(), Limits()), ["fonderie-martel.fr"])
    outside = exchange + ("Received: from relay.example (relay.example [193.42.33.118]) by EX02.hpt.intern"
                          " with ESMTP; Thu, 22 Oct 2026 11:40:20 +0200\r\n")
    assert not travelled_inside(parse_message((outside + BODY).encode(), Limits()), ["fonderie-martel.fr"])


def test_a_colleague_on_the_road_logged_in_to_submit_from_a_public_address() -> None:
    """The company's server recorded an authenticated submission (ESMTPSA, "Authenticated sender") from a phone on a
    mobile network: the colleague logged in. Only as the oldest line: below the MX's own line naming a public address,
    a forged "authenticated" line changes nothing."""
    phone = ("Received: from smtpclient.apple (unknown [92.184.108.73])\r\n\t(Authenticated sender: claire.martel)\r\n"
             "\tby mail.fonderie-martel.fr (Postfix) with ESMTPSA; Fri, 20 Nov 2026 11:34:14 +0100\r\n")
    assert travelled_inside(parse_message((phone + BODY).encode(), Limits()), ["fonderie-martel.fr"])
    plain = phone.replace("with ESMTPSA", "with ESMTPS").replace("\t(Authenticated sender: claire.martel)\r\n", "")
    assert not travelled_inside(parse_message((plain + BODY).encode(), Limits()), ["fonderie-martel.fr"])
    # the comment alone, which a client's HELO could imitate, is not the server's record
    comment_only = phone.replace("with ESMTPSA", "with ESMTPS")
    assert not travelled_inside(parse_message((comment_only + BODY).encode(), Limits()), ["fonderie-martel.fr"])
    forged_below = ("Received: from relay.example (relay.example [193.42.33.118])\r\n\tby mail.fonderie-martel.fr"
                    " (Postfix) with ESMTPS; Fri, 20 Nov 2026 11:34:20 +0100\r\n") + phone
    assert not travelled_inside(parse_message((forged_below + BODY).encode(), Limits()), ["fonderie-martel.fr"])


def test_a_trusted_header_that_checked_nothing_does_not_hide_the_internal_route() -> None:
    """An on-premises Exchange stamps a colleague's MAPI submission with an Authentication-Results header of the
    trusted id that evaluated no SPF, DKIM or DMARC: the Received trail still shows the message stayed inside. A spoof
    of the own domain that came in through the MX was checked there, and its trail names the outsider."""
    stamped = ("Authentication-Results: mx1.fonderie-martel.fr; auth=pass smtp.auth=claire.martel@fonderie-martel.fr;"
               " spf=none smtp.mailfrom=fonderie-martel.fr; dkim=none; dmarc=none header.from=fonderie-martel.fr\r\n")
    inside = _codes(stamped + INTERNAL + BODY, ORG)
    assert "sender.internal_route" in inside and "sender.internal_unauthenticated" not in inside
    spoof = ("Authentication-Results: mx1.fonderie-martel.fr; spf=fail smtp.mailfrom=fonderie-martel.fr; dkim=none;"
             " dmarc=fail header.from=fonderie-martel.fr\r\n")
    outside = _codes(spoof + FROM_OUTSIDE + BODY, ORG)
    assert "sender.internal_route" not in outside and "sender.internal_unauthenticated" in outside
    # nothing checked, but the trail names the outsider: still unauthenticated
    unchecked_outside = _codes(stamped + FROM_OUTSIDE + BODY, ORG)
    assert "sender.internal_route" not in unchecked_outside
    assert "sender.internal_unauthenticated" in unchecked_outside
