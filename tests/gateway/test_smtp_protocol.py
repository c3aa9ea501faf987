"""The filter's SMTP surface over raw sockets: DATA framing, dot-stuffing, limits, XFORWARD, long lines."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from rempart.engine.engine import Engine
from tests.gateway.conftest import RunningFilter, make_config, message
from tests.gateway.servers import Sink


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        assert self.reply().startswith(b"220")

    def reply(self) -> bytes:
        while True:
            lines = self.buffer.split(b"\r\n")
            for i, line in enumerate(lines[:-1]):
                if line[3:4] == b" ":
                    self.buffer = b"\r\n".join(lines[i + 1:])
                    return b"\r\n".join(lines[: i + 1])
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buffer += chunk

    def command(self, line: bytes) -> bytes:
        self.sock.sendall(line + b"\r\n")
        return self.reply()

    def data(self, wire: bytes, chunk: int = 0) -> bytes:
        assert self.command(b"DATA").startswith(b"354")
        if chunk:
            for i in range(0, len(wire), chunk):
                self.sock.sendall(wire[i:i + chunk])
                time.sleep(0.001)
        else:
            self.sock.sendall(wire)
        return self.reply()

    def transaction(self, wire: bytes, chunk: int = 0) -> bytes:
        assert self.command(b"MAIL FROM:<sender@example.org>").startswith(b"250")
        assert self.command(b"RCPT TO:<claire.martin@cabinet-example.fr>").startswith(b"250")
        return self.data(wire, chunk)


def test_data_framing_dot_stuffing_and_chunking(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    original = (b"From: a@example.org\r\nSubject: dots\r\nMessage-ID: <dots@example.org>\r\n\r\n"
                b".leading dot\r\n..two dots\r\n.\tnot the end\r\nlast line\r\n")
    stuffed = original.replace(b"\r\n.", b"\r\n..")
    long_line = b"From: a@example.org\r\nMessage-ID: <long@example.org>\r\n\r\n" + b"x" * 50_000 + b"\r\n"
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        client = Client(f.port)
        assert client.command(b"EHLO postfix.test").startswith(b"250")
        assert client.transaction(stuffed + b".\r\n", chunk=7).startswith(b"250")  # terminator split anywhere
        assert client.transaction(long_line + b".\r\n").startswith(b"250")
        assert client.transaction(b".\r\n").startswith(b"250")  # an empty message is still mail
        assert client.command(b"QUIT").startswith(b"221")
        deliveries = sink.wait_for(3)
    contents = sorted((d.content for d in deliveries), key=len)
    assert any(c.endswith(original) for c in contents)
    assert any(c.endswith(long_line) for c in contents)
    assert contents[0].startswith(b"X-Rempart-Verdict: ") and b"From:" not in contents[0]  # the empty one


def test_too_big_is_refused_after_the_data_and_the_session_goes_on(engine: Engine, sink: Sink,
                                                                    tmp_path: Path) -> None:
    config = make_config({"max_message_bytes": 2048})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        client = Client(f.port)
        client.command(b"EHLO postfix.test")
        big = b"Subject: big\r\n\r\n" + (b"y" * 100 + b"\r\n") * 100 + b".\r\n"
        assert client.transaction(big, chunk=1000).startswith(b"552")
        ok = message("meeting-clean.eml") + b".\r\n"
        assert client.transaction(b"\r\n".join(ok.split(b"\r\n")[:3]) + b"\r\n\r\nhi\r\n.\r\n").startswith(b"250")
        sink.wait_for(1)
    assert sink.count() == 1


def test_xforward_gives_the_real_client(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    raw = message("simulation-campaign.eml")
    config = make_config({"simulation": {"ip_ranges": ["192.0.2.0/24"]}, "trusted_received_hops": 0})
    with RunningFilter(config, engine, tmp_path / "spool", sink.controller.port) as f:
        client = Client(f.port)
        ehlo = client.command(b"EHLO postfix.test")
        assert b"XFORWARD" in ehlo and b"8BITMIME" in ehlo
        assert client.command(b"XFORWARD NAME=relay.example ADDR=192.0.2.77 HELO=[UNAVAILABLE]").startswith(b"250")
        assert client.transaction(raw.replace(b"\r\n.", b"\r\n..") + b".\r\n").startswith(b"250")
        assert client.command(b"MAIL FROM:<x@example.org>").startswith(b"250")
        assert client.command(b"XFORWARD ADDR=10.0.0.1").startswith(b"503")  # not inside a transaction
        client.command(b"RSET")
        [delivery] = sink.wait_for(1)
    assert b"X-Rempart-Verdict: phishing_simulation" in delivery.content
    assert b"X-Rempart-Simulation: ip:192.0.2.77" in delivery.content


def test_bounces_with_the_null_sender_pass(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    dsn = (b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"Message-ID: <dsn-1@mx.example.org>\r\n\r\nThis is the mail system.\r\n")
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        client = Client(f.port)
        client.command(b"EHLO postfix.test")
        assert client.command(b"MAIL FROM:<> BODY=8BITMIME").startswith(b"250")
        assert client.command(b"RCPT TO:<claire.martin@cabinet-example.fr>").startswith(b"250")
        assert client.data(dsn + b".\r\n").startswith(b"250")
        client.command(b"QUIT")
        [delivery] = sink.wait_for(1)
    assert delivery.mail_from in ("", "<>")
    assert delivery.content.endswith(dsn)


def test_pipelined_command_groups_as_postfix_sends_them(engine: Engine, sink: Sink, tmp_path: Path) -> None:
    """PIPELINING offered: XFORWARD, MAIL, RCPT and DATA in one write; the content after the 354; the next
    group right behind the end of data, in the same write."""
    first = b"From: a@example.org\r\nMessage-ID: <p1@example.org>\r\nSubject: one\r\n\r\n.one\r\n"
    second = b"From: a@example.org\r\nMessage-ID: <p2@example.org>\r\nSubject: two\r\n\r\ntwo\r\n"
    group = (b"XFORWARD ADDR=198.51.100.7 NAME=mx.example.net\r\nMAIL FROM:<s@example.org> BODY=8BITMIME\r\n"
             b"RCPT TO:<claire.martin@cabinet-example.fr>\r\nDATA\r\n")
    with RunningFilter(make_config(), engine, tmp_path / "spool", sink.controller.port) as f:
        client = Client(f.port)
        assert b"PIPELINING" in client.command(b"EHLO postfix.test")
        client.sock.sendall(group)
        assert [client.reply()[:3] for _ in range(4)] == [b"250", b"250", b"250", b"354"]
        client.sock.sendall(first.replace(b"\r\n.", b"\r\n..") + b".\r\n" + group)
        assert [client.reply()[:3] for _ in range(5)] == [b"250", b"250", b"250", b"250", b"354"]
        client.sock.sendall(second + b".\r\nQUIT\r\n")
        assert [client.reply()[:3] for _ in range(2)] == [b"250", b"221"]
        deliveries = sink.wait_for(2)
    assert sorted(d.content.split(b"\r\n\r\n", 1)[1] for d in deliveries) == [b".one\r\n", b"two\r\n"]
