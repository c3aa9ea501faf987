"""The one copy the filter may hand on twice is dropped at the mailbox.

A real Dovecot delivers over LMTP with the documented Sieve script (examples/dovecot/) run before the
user's own: the same transaction stamped twice (what a kill -9 between the next hop's 250 and the
filter's done-log write re-delivers) lands once; a different message with the same Message-ID, or the
same message accepted again for another recipient batch, is a different transaction and lands too.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from rempart.config import GatewaySettings
from rempart.gateway import disposition
from rempart.gateway.scanning import ScanResult
from rempart.gateway.spool import message_key
from tests.gateway.conftest import message
from tests.gateway.dovecot import Dovecot, running_dovecot
from tests.gateway.servers import REPO

SIEVE = REPO / "examples" / "dovecot" / "rempart-duplicates.sieve"
USER = "claire"
RESULT = ScanResult(level="clean", score=0.05, reasons=(("sender.known_vendor", -0.2),))


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot({USER: "secret"}, sieve_before=SIEVE.read_text(encoding="utf-8")) as server:
        yield server


def stamped(raw: bytes, rcpt: tuple[str, ...]) -> bytes:
    key = message_key(raw, "sender@example.org", rcpt)
    return disposition.dispose(raw, RESULT, GatewaySettings(tag_subject=False), "fr", key).content


def deliver(server: Dovecot, content: bytes) -> None:
    with smtplib.LMTP("127.0.0.1", server.lmtp_port, timeout=30) as lmtp:
        refused = lmtp.sendmail("sender@example.org", [USER], content)
        assert not refused


def test_a_copy_handed_on_twice_lands_once(dovecot: Dovecot) -> None:
    raw = message("meeting-clean.eml")
    rcpt = (f"{USER}@cabinet-example.fr",)
    content = stamped(raw, rcpt)
    assert b"X-Rempart-Id: " in content.split(b"\r\n\r\n", 1)[0]
    before = dovecot.count(USER, "INBOX")
    deliver(dovecot, content)
    deliver(dovecot, content)  # the filter died after the next hop's 250: the same bytes again
    assert dovecot.count(USER, "INBOX") == before + 1

    edited = raw.replace(b"jeudi", b"vendredi")  # same Message-ID, other bytes: another message
    assert edited != raw
    deliver(dovecot, stamped(edited, rcpt))
    other_batch = (f"{USER}@cabinet-example.fr", "paul@cabinet-example.fr")  # accepted again, other envelope
    deliver(dovecot, stamped(raw, other_batch))
    assert dovecot.count(USER, "INBOX") == before + 3


def test_an_outside_x_rempart_id_cannot_make_a_message_a_copy(dovecot: Dovecot) -> None:
    first = message("credential-phish-fr.eml")
    rcpt = (f"{USER}@cabinet-example.fr",)
    content = stamped(first, rcpt)
    ident = next(line for line in content.split(b"\r\n") if line.startswith(b"X-Rempart-Id: "))
    forged = ident + b"\r\n" + message("meeting-clean.eml")  # a sender copying a delivered message's id
    assert stamped(forged, rcpt).count(b"X-Rempart-Id: ") == 1
    before = dovecot.count(USER, "INBOX")
    deliver(dovecot, content)
    deliver(dovecot, stamped(forged, rcpt))
    assert dovecot.count(USER, "INBOX") == before + 2
