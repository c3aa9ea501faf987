"""An install with no organisation profile judges mail as its receiving company's when the message proves
which company that is (its MX's Authentication-Results above the MX's own Received line)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.analyzers.base import Envelope
from rempart.config import Config, Limits, config_from_mapping
from rempart.engine.engine import MAX_IMPLICIT_ORGS, Engine
from rempart.engine.implicit_org import MAX_TOP_HEADERS, ImplicitOrg, infer_org
from rempart.message.model import Message
from rempart.message.parse import parse_message

MX_VERDICT = (
    "Authentication-Results: mx.fonderie-martel.fr;\r\n"
    "\tspf=fail smtp.mailfrom=mailer-relay.example; dkim=none;\r\n"
    "\tdmarc=fail (p=quarantine) header.from=fonderie-martel.fr\r\n"
)
MX_RECEIVED = (
    "Received: from mailer-relay.example (mailer-relay.example [203.0.113.9])\r\n"
    "\tby mx.fonderie-martel.fr (Postfix) with ESMTPS id 4F1A2; Thu, 17 Sep 2026 09:33:04 +0200\r\n"
)
SPOOF = (
    "From: Claire Martel <claire.martel@fonderie-martel.fr>\r\n"
    "Reply-To: claire.martel.direction@gmail.com\r\n"
    "To: Julien Roche <julien.roche@fonderie-martel.fr>\r\n"
    "Subject: Virement urgent et confidentiel\r\n"
    "Date: Thu, 17 Sep 2026 09:32:58 +0200\r\n"
    "Message-ID: <a1b2c3@mailer-relay.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Julien, j'ai besoin que tu procèdes aujourd'hui à un virement de 48 500 euros pour une acquisition "
    "confidentielle. Merci de ne pas en parler.\r\nClaire\r\n"
)
FREEMAIL = frozenset({"gmail.com"})


def parsed(headers: str, rest: str = SPOOF) -> Message:
    return parse_message((headers + rest).encode("utf-8"), Limits())


def test_the_receiving_company_is_found_from_its_mx_verdict() -> None:
    found = infer_org(parsed(MX_VERDICT + MX_RECEIVED), None, FREEMAIL)
    assert found == ImplicitOrg("fonderie-martel.fr", "mx.fonderie-martel.fr")


def test_a_verdict_below_the_mx_line_was_written_by_the_sender_and_proves_nothing() -> None:
    assert infer_org(parsed(MX_RECEIVED + MX_VERDICT), None, FREEMAIL) is None


def test_a_verdict_under_the_mailbox_servers_line_and_above_the_mx_inbound_line_counts() -> None:
    """mx -> mailbox server (LMTP, from a private address) is written on top; the MX's verdict sits under it and
    above the line where the MX took the message from outside, which a sender cannot write above."""
    lmtp = ("Received: from mx.fonderie-martel.fr ([10.10.1.21])\r\n"
            "\tby mbx01.fonderie-martel.fr with LMTPS; Thu, 17 Sep 2026 09:33:05 +0200\r\n")
    found = infer_org(parsed(lmtp + MX_VERDICT + MX_RECEIVED), None, FREEMAIL)
    assert found == ImplicitOrg("fonderie-martel.fr", "mx.fonderie-martel.fr")
    assert infer_org(parsed(lmtp + MX_RECEIVED + MX_VERDICT), None, FREEMAIL) is None  # under the inbound line
    # a local hand-off that records no address, by a host of the domain from a host of the domain
    local = ("Received: from mail.fonderie-martel.fr\r\n"
             "\tby mail.fonderie-martel.fr with LMTP; Thu, 17 Sep 2026 09:33:06 +0200\r\n")
    assert infer_org(parsed(local + lmtp + MX_VERDICT + MX_RECEIVED), None, FREEMAIL) == found
    outside = ("Received: from relay.example\r\n"  # no address, and the client is not the company's
               "\tby mbx01.fonderie-martel.fr with LMTP; Thu, 17 Sep 2026 09:33:06 +0200\r\n")
    assert infer_org(parsed(outside + MX_VERDICT + MX_RECEIVED), None, FREEMAIL) is None


def test_no_verdict_no_mx_line_or_a_free_mail_recipient_proves_nothing() -> None:
    assert infer_org(parsed(MX_RECEIVED), None, FREEMAIL) is None
    assert infer_org(parsed(MX_VERDICT), None, FREEMAIL) is None
    to_gmail = SPOOF.replace("julien.roche@fonderie-martel.fr", "julien.roche@gmail.com")
    gmail_mx = MX_VERDICT.replace("mx.fonderie-martel.fr", "mx.google.com") + MX_RECEIVED.replace(
        "mx.fonderie-martel.fr", "mx.google.com")
    assert infer_org(parsed(gmail_mx, to_gmail), None, FREEMAIL) is None


def test_the_envelope_recipient_wins_over_the_headers() -> None:
    elsewhere = Envelope(rcpt_to=("compta@autre-societe.fr",))
    assert infer_org(parsed(MX_VERDICT + MX_RECEIVED), elsewhere, FREEMAIL) is None


def test_an_unconfigured_engine_judges_an_own_domain_spoof_like_a_configured_one() -> None:
    raw = (MX_VERDICT + MX_RECEIVED + SPOOF).encode("utf-8")
    bare = Engine(Config()).scan(raw)
    codes = {f.code: f for f in bare.findings}
    assert codes["engine.implicit_org"].evidence == {"domain": "fonderie-martel.fr",
                                                     "authserv_id": "mx.fonderie-martel.fr"}
    assert codes["auth.dmarc_fail"].weight > 0  # the MX's verdict is believed
    assert codes["sender.internal_unauthenticated"].weight > 0  # the company's own domain, spoofed
    assert bare.facts["org"]["domains"] == ["fonderie-martel.fr"]
    configured = Engine(config_from_mapping({
        "org": {"name": "Fonderie Martel", "domains": ["fonderie-martel.fr"]},
        "auth": {"trusted_authserv_ids": ["mx.fonderie-martel.fr"]},
    })).scan(raw)
    assert "engine.implicit_org" not in {f.code for f in configured.findings}
    assert {f.code for f in configured.findings if f.weight} == {f.code for f in bare.findings if f.weight}
    assert abs(configured.score - bare.score) < 1e-9
    # Without the MX's verdict the same message is scanned with the configuration as it is.
    unproven = Engine(Config()).scan((MX_RECEIVED + SPOOF).encode("utf-8"))
    assert not {"engine.implicit_org", "auth.dmarc_fail"} & {f.code for f in unproven.findings}


def test_implicit_organisations_are_kept_in_a_bounded_cache() -> None:
    engine = Engine(Config())
    for n in range(12):
        domain = f"societe-{n}.fr"
        headers = (MX_VERDICT + MX_RECEIVED).replace("fonderie-martel.fr", domain)
        engine.scan((headers + SPOOF.replace("fonderie-martel.fr", domain)).encode("utf-8"))
    assert len(engine._implicit) == MAX_IMPLICIT_ORGS


def test_only_the_top_of_the_header_block_is_read() -> None:
    # a message can carry thousands of headers; the receiving servers' are at the top
    padding = "".join(f"X-Filler-{n}: {n}\r\n" for n in range(MAX_TOP_HEADERS))
    assert infer_org(parsed(padding + MX_VERDICT + MX_RECEIVED), None, FREEMAIL) is None
    assert infer_org(parsed(MX_VERDICT + MX_RECEIVED + padding), None, FREEMAIL) is not None


_HEADER = st.tuples(
    st.sampled_from(["Authentication-Results", "Received", "To", "Cc", "Delivered-To", "X-Original-To", "Subject"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=120),
)


@given(st.lists(_HEADER, max_size=30))
@settings(max_examples=150, deadline=None)
def test_any_header_block_gives_an_answer_and_never_raises(headers: list[tuple[str, str]]) -> None:
    block = "".join(f"{name}: {value}\r\n" for name, value in headers)
    found = infer_org(parse_message((block + "\r\nbody\r\n").encode("utf-8", "replace"), Limits()), None, FREEMAIL)
    assert found is None or (found.domain and found.authserv_id)


GMAIL_TOP = (
    "Delivered-To: julien.roche@fonderie-martel.fr\r\n"
    "Received: by 2002:a05:20bf:d614:b0:aea:a748:29 with SMTP id j2csp96393lto; Thu, 17 Sep 2026 00:33:05 -0700\r\n"
    "Received: from mailer-relay.example (mailer-relay.example. [203.0.113.9])\r\n"
    "        by mx.google.com with ESMTPS id 2fa824d43a2e1-697cf for <julien.roche@fonderie-martel.fr>;\r\n"
    "        Thu, 17 Sep 2026 00:33:04 -0700 (PDT)\r\n"
    "Authentication-Results: mx.google.com;\r\n"
    "       spf=fail smtp.mailfrom=mailer-relay.example;\r\n"
    "       dmarc=fail (p=QUARANTINE) header.from=fonderie-martel.fr\r\n"
)


def test_google_workspace_delivery_names_the_company() -> None:
    found = infer_org(parsed(GMAIL_TOP), None, FREEMAIL)
    assert found == ImplicitOrg("fonderie-martel.fr", "mx.google.com")
    # a verdict claiming mx.google.com below the sender's own servers' line proves nothing
    forged = ("Received: from mailer-relay.example by relay.other.example; Thu, 17 Sep 2026 09:33:04 +0200\r\n"
              "Authentication-Results: mx.google.com; dmarc=pass header.from=fonderie-martel.fr\r\n")
    assert infer_org(parsed(forged), None, FREEMAIL) is None
