"""Handing mail on: the filter's SMTP client against a real receiving server (aiosmtpd) on loopback,
with and without PIPELINING, refusals per recipient and per transaction, and kept connections."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from rempart.gateway.delivery import Outcome, PermanentFailure, SmtpNextHop, TemporaryFailure, dot_stuffed
from tests.gateway.servers import Sink

BODY = (b"From: a@example.org\r\nTo: b@example.fr\r\nSubject: dots\r\n\r\n"
        b".a line starting with a dot\r\n..two dots\r\nmiddle . dot\r\n.\r\nlast line")


@dataclass
class RefusingSink(Sink):
    """A sink that refuses some recipients."""

    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


def send(hop: SmtpNextHop, rcpt_to: Sequence[str], content: bytes = BODY, mail_from: str = "s@example.net",
         ) -> Outcome:
    async def go() -> Outcome:
        try:
            return await hop.send(mail_from, rcpt_to, content, ["BODY=8BITMIME"])
        finally:
            await hop.close()

    return asyncio.run(go())


@pytest.fixture(params=[False, True], ids=["lockstep", "pipelining"])
def refusing_sink(request: pytest.FixtureRequest) -> RefusingSink:
    sink = RefusingSink(pipelining=request.param)
    sink.start()
    yield sink
    sink.stop()


def test_dot_stuffing() -> None:
    assert dot_stuffed(b".x\r\ny\r\n.\r\n") == b"..x\r\ny\r\n..\r\n.\r\n"
    assert dot_stuffed(b"no end") == b"no end\r\n.\r\n"


def test_bytes_arrive_as_sent(refusing_sink: RefusingSink) -> None:
    assert refusing_sink.controller is not None
    hop = SmtpNextHop("127.0.0.1", refusing_sink.controller.port, timeout=10)
    assert send(hop, ["b@example.fr"]) == Outcome()
    [delivery] = refusing_sink.wait_for(1)
    assert delivery.content == BODY + b"\r\n"  # DATA ends lines with CRLF: the last one gets its line end
    assert delivery.mail_from == "s@example.net" and delivery.rcpt_to == ("b@example.fr",)
    assert send(hop, ["b@example.fr"], BODY + b"\r\n", mail_from="<>") == Outcome()  # a bounce
    assert refusing_sink.wait_for(2)[1].mail_from == "<>"


def test_refusals_per_recipient_then_the_session_goes_on(refusing_sink: RefusingSink) -> None:
    assert refusing_sink.controller is not None
    refusing_sink.refuse = {"gone@example.fr": "550 5.1.1 no such user", "full@example.fr": "452 4.2.2 full"}
    hop = SmtpNextHop("127.0.0.1", refusing_sink.controller.port, timeout=10)

    async def go() -> tuple[Outcome, Outcome, Outcome]:
        mixed = await hop.send("s@example.net", ["b@example.fr", "gone@example.fr", "full@example.fr"], BODY, [])
        none = await hop.send("s@example.net", ["gone@example.fr", "full@example.fr"], BODY, [])
        again = await hop.send("s@example.net", ["c@example.fr"], BODY, [])  # same kept connection
        assert len(hop._idle) == 1
        assert ("PIPELINING" in hop._idle[0].extensions) == refusing_sink.pipelining
        await hop.close()
        return mixed, none, again

    mixed, none, again = asyncio.run(go())
    assert mixed.permanent == {"gone@example.fr": "550 5.1.1 no such user"}
    assert mixed.temporary == {"full@example.fr": "452 4.2.2 full"}
    assert set(none.permanent) == {"gone@example.fr"} and set(none.temporary) == {"full@example.fr"}
    assert again == Outcome()
    assert [d.rcpt_to for d in refusing_sink.wait_for(2)] == [("b@example.fr",), ("c@example.fr",)]


def test_transaction_refused_for_now_or_for_good(refusing_sink: RefusingSink) -> None:
    assert refusing_sink.controller is not None
    hop = SmtpNextHop("127.0.0.1", refusing_sink.controller.port, timeout=10)

    async def go() -> Outcome:
        refusing_sink.reply = "451 4.3.0 busy"
        with pytest.raises(TemporaryFailure, match="451"):
            await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        refusing_sink.reply = "554 5.7.1 rejected"
        with pytest.raises(PermanentFailure, match="554"):
            await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        refusing_sink.reply = ""
        outcome = await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        await hop.close()
        return outcome

    assert asyncio.run(go()) == Outcome()
    assert refusing_sink.count() == 1


def test_a_kept_connection_the_server_dropped_is_replaced() -> None:
    sink = Sink()
    port = sink.start()
    hop = SmtpNextHop("127.0.0.1", port, timeout=10)

    async def go() -> None:
        await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        sink.stop()  # the next hop restarts: the kept connection is dead
        sink.start(port)
        await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        sink.stop()
        with pytest.raises(TemporaryFailure):
            await hop.send("s@example.net", ["b@example.fr"], BODY, [])
        await hop.close()

    asyncio.run(go())
    assert sink.count() == 2
