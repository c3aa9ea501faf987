"""Microsoft 365 (Exchange Online) mail: its id-less Authentication-Results believed only where Exchange wrote it,
``AuthAs: Internal`` read as a colleague's mail, and the receiving company found from it with no profile.
Headers written for the project in the shape Exchange Online gives them."""

from __future__ import annotations

from rempart.analyzers.auth import trusted_summary
from rempart.analyzers.exchange_online import (
    EXCHANGE_ONLINE_ID,
    exchange_online_results,
    submitted_inside_tenant,
)
from rempart.config import Limits, config_from_mapping
from rempart.engine.build import build_engine
from rempart.engine.implicit_org import infer_org
from rempart.message.model import Message
from rempart.message.parse import parse_message

MAILBOX = (
    "Received: from AM9PR02CA0011.eurprd02.prod.outlook.com (2603:10a6:20b:3d9::21)\r\n"
    " by PAXP193MB1786.EURP193.PROD.OUTLOOK.COM (2603:10a6:256:5b::23) with Microsoft SMTP Server\r\n"
    " id 15.20.9412.21; Thu, 15 Oct 2026 09:22:43 +0000\r\n"
)
EOP_VERDICT = (
    "Authentication-Results: spf=fail (sender IP is 203.0.113.9)\r\n"
    " smtp.mailfrom=fonderie-martel.fr; dkim=none (message not signed)\r\n"
    " header.d=none;dmarc=fail action=quarantine header.from=fonderie-martel.fr;compauth=fail reason=000\r\n"
    "Received-SPF: Fail (protection.outlook.com: domain of fonderie-martel.fr does not\r\n"
    " designate 203.0.113.9 as permitted sender) receiver=protection.outlook.com;\r\n"
)
EOP_INBOUND = (
    "Received: from mailer-relay.example (203.0.113.9) by\r\n"
    " AM4PEPF00027A5F.mail.protection.outlook.com (10.167.16.73) with Microsoft SMTP Server\r\n"
    " id 15.20.9412.21 via Frontend Transport; Thu, 15 Oct 2026 09:22:41 +0000\r\n"
)
SENDER_OWN = (
    "Received: from localhost (127.0.0.1) by mailer-relay.example with ESMTP;\r\n"
    " Thu, 15 Oct 2026 09:22:40 +0000\r\n"
)
FORGED_PASS = ("Authentication-Results: spf=pass smtp.mailfrom=fonderie-martel.fr;"
               " dmarc=pass header.from=fonderie-martel.fr\r\n")
SPOOF = (
    "From: Claire Martel <claire.martel@fonderie-martel.fr>\r\n"
    "To: Julien Roche <julien.roche@fonderie-martel.fr>\r\n"
    "Subject: Virement urgent et confidentiel\r\n"
    "Date: Thu, 15 Oct 2026 11:22:37 +0200\r\n"
    "Message-ID: <a1b2c3@mailer-relay.example>\r\n"
    "X-MS-Exchange-Organization-AuthAs: Anonymous\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Julien, j'ai besoin que tu procèdes aujourd'hui à un virement de 48 500 euros pour une acquisition "
    "confidentielle. Merci de ne pas en parler.\r\nClaire\r\n"
)
INTERNAL = (
    "Received: from PAXP193MB2245.EURP193.PROD.OUTLOOK.COM ([fe80::5c1b:7f3a:9e21:4d0c]) by\r\n"
    " PAXP193MB2245.EURP193.PROD.OUTLOOK.COM ([fe80::5c1b:7f3a:9e21:4d0c%5]) with mapi id 15.20.9412.017;\r\n"
    " Thu, 05 Nov 2026 07:00:04 +0000\r\n"
    "From: Support IT <support-it@fonderie-martel.fr>\r\n"
    "To: Julien Roche <julien.roche@fonderie-martel.fr>\r\n"
    "Subject: [IT] Votre mot de passe expire le 12/11/2026\r\n"
    "Date: Thu, 05 Nov 2026 08:00:04 +0100\r\n"
    "Message-ID: <PAXP193MB2245F91E7C8F@PAXP193MB2245.EURP193.PROD.OUTLOOK.COM>\r\n"
    "Authentication-Results: dkim=none (message not signed) header.d=none;dmarc=none action=none\r\n"
    " header.from=fonderie-martel.fr;\r\n"
    "X-MS-Exchange-Organization-AuthSource: PAXP193MB2245.EURP193.PROD.OUTLOOK.COM\r\n"
    "X-MS-Exchange-Organization-AuthAs: Internal\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour Julien,\r\nVotre mot de passe expire le 12 novembre. Changez-le sur https://myaccount.microsoft.com "
    "avant cette date.\r\nLe service informatique\r\n"
)
PROFILE = config_from_mapping({"org": {"domains": ["fonderie-martel.fr"]},
                               "auth": {"trusted_authserv_ids": [EXCHANGE_ONLINE_ID]}})


def parsed(text: str) -> Message:
    return parse_message(text.encode("utf-8"), Limits())


def test_exchange_online_verdict_is_the_one_above_the_senders_own_lines() -> None:
    message = parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + SENDER_OWN + FORGED_PASS + SPOOF)
    value = exchange_online_results(message)
    assert value is not None and "dmarc=fail" in value
    summary, _ = trusted_summary(message, frozenset({EXCHANGE_ONLINE_ID}))
    assert summary.trusted and summary.dmarc == "fail" and summary.authserv_id == EXCHANGE_ONLINE_ID


def test_a_forged_verdict_below_the_senders_servers_is_never_read() -> None:
    # Exchange's own header missing (an export that dropped it): the sender's "pass" must not be believed.
    message = parsed(MAILBOX + EOP_INBOUND + SENDER_OWN + FORGED_PASS + SPOOF)
    assert exchange_online_results(message) is None
    summary, _ = trusted_summary(message, frozenset({EXCHANGE_ONLINE_ID}))
    assert not summary.trusted


def test_not_delivered_by_exchange_online_or_not_trusted() -> None:
    assert exchange_online_results(parsed(SENDER_OWN + FORGED_PASS + SPOOF)) is None
    summary, _ = trusted_summary(parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + SPOOF), frozenset({"mx.example"}))
    assert not summary.trusted  # a tenant must say it trusts protection.outlook.com


def test_internal_mail_of_the_tenant() -> None:
    internal = parsed(INTERNAL)
    assert submitted_inside_tenant(internal)
    assert not submitted_inside_tenant(parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + SPOOF))  # AuthAs: Anonymous
    # "AuthAs: Internal" written by a sender and never delivered by Exchange proves nothing
    assert not submitted_inside_tenant(parsed(SENDER_OWN + INTERNAL.split("\r\n", 3)[3]))
    verdict = build_engine(PROFILE).scan_message(internal)
    codes = {f.code for f in verdict.findings}
    assert "sender.internal_route" in codes and "auth.no_aligned_auth" not in codes
    assert verdict.level.value == "clean"


def test_a_spoof_of_the_tenants_domain_is_caught_with_the_profile_and_without() -> None:
    message = parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + SPOOF)
    with_profile = build_engine(PROFILE).scan_message(message)
    assert "auth.dmarc_fail" in {f.code for f in with_profile.findings} and with_profile.level.value != "clean"
    found = infer_org(message, None, frozenset({"gmail.com"}))
    assert found is not None and (found.domain, found.authserv_id) == ("fonderie-martel.fr", EXCHANGE_ONLINE_ID)
    bare = build_engine(config_from_mapping({})).scan_message(message)
    assert "engine.implicit_org" in {f.code for f in bare.findings} and bare.level.value != "clean"


def test_no_company_from_a_sender_writing_to_itself_or_to_several_domains() -> None:
    to_self = SPOOF.replace("To: Julien Roche <julien.roche@fonderie-martel.fr>",
                            "To: Recipients <claire.martel@fonderie-martel.fr>")
    assert infer_org(parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + to_self), None, frozenset()) is None
    several = SPOOF.replace("To: Julien Roche <julien.roche@fonderie-martel.fr>",
                            "To: julien.roche@fonderie-martel.fr, achats@client-exemple.fr")
    assert infer_org(parsed(MAILBOX + EOP_VERDICT + EOP_INBOUND + several), None, frozenset()) is None
