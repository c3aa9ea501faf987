"""Handing mail on: the next hop (SMTP) behind a small interface, and the retry schedule.

``NextHop.send`` answers per recipient: accepted, refused for now (4xx: retry later) or refused
for good (5xx). A connection that fails or a 4xx for the whole transaction is ``TemporaryFailure``;
a 5xx for the whole transaction is ``PermanentFailure``. Tests and benchmarks use the real SMTP
implementation against a real receiving server on loopback.

``SmtpNextHop`` is an SMTP client on the filter's event loop: kept connections, no thread hop per
message, and — when the next hop offers PIPELINING (Postfix does) — MAIL, RCPT and DATA in one
round trip. The content goes out as received but for dot-stuffing (one ``replace``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class TemporaryFailure(Exception):
    """Retry later (connection refused, 4xx, time-out)."""


class PermanentFailure(Exception):
    """The next hop refused the whole transaction for good (5xx)."""


@dataclass(frozen=True)
class Outcome:
    temporary: dict[str, str] = field(default_factory=dict)  # recipient -> reply, to retry
    permanent: dict[str, str] = field(default_factory=dict)  # recipient -> reply, refused for good


class NextHop(Protocol):
    async def send(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
                   mail_options: Sequence[str]) -> Outcome: ...

    async def close(self) -> None: ...


def parse_hostport(value: str, default_port: int) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``host`` (default port)."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest.lstrip(":") or default_port)
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, int(port)
    return value, default_port


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"[:300]


class _Closed(Exception):
    """The next hop closed the connection (or said 421)."""


def dot_stuffed(content: bytes) -> bytes:
    """``content`` as DATA sends it: lines starting with a dot get another, then CRLF . CRLF."""
    body = content.replace(b"\n.", b"\n..")
    if body.startswith(b"."):
        body = b"." + body
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


class _Connection:
    """One SMTP client session to the next hop (after EHLO), reused for transaction after transaction."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float) -> None:
        self.reader, self.writer, self.timeout = reader, writer, timeout
        self.extensions: set[str] = set()
        self.content_sent = False

    async def reply(self) -> tuple[int, str]:
        """One (possibly multi-line) reply. No deadline of its own: ``greet`` and ``transaction`` each
        run under one (a ``wait_for`` per line cost a task and a timer per reply)."""
        lines: list[bytes] = []
        while True:
            try:
                line = await self.reader.readline()
            except (asyncio.LimitOverrunError, ValueError) as err:
                raise _Closed(f"no complete reply ({type(err).__name__})") from None
            if not line.endswith(b"\n"):
                raise _Closed("connection closed")
            lines.append(line)
            if line[3:4] != b"-" or len(lines) > 1000:
                break
        last = lines[-1]
        try:
            code = int(last[:3])
        except ValueError:
            raise _Closed(f"not an SMTP reply: {last[:80]!r}") from None
        text = " ".join(line[4:].decode("utf-8", "replace").strip() for line in lines)
        if code == 421:
            raise _Closed(_reply(code, text))
        return code, text

    async def command(self, line: str) -> tuple[int, str]:
        self.writer.write(line.encode("utf-8", "surrogateescape") + b"\r\n")
        return await self.reply()

    async def greet(self, local_hostname: str) -> None:
        async with asyncio.timeout(self.timeout):
            await self._greet(local_hostname)

    async def _greet(self, local_hostname: str) -> None:
        code, text = await self.reply()
        if code != 220:
            raise TemporaryFailure(f"next hop greeting: {_reply(code, text)}")
        self.writer.write(f"EHLO {local_hostname}\r\n".encode("ascii", "replace"))
        lines: list[str] = []
        while True:
            line = await self.reader.readline()
            if not line.endswith(b"\n"):
                raise _Closed("connection closed")
            lines.append(line[4:].decode("ascii", "replace").strip())
            if line[3:4] != b"-":
                break
        if line[:1] == b"2":
            self.extensions = {item.split(" ", 1)[0].upper() for item in lines[1:] if item}
            return
        code, text = await self.command(f"HELO {local_hostname}")
        if not 200 <= code < 300:
            raise TemporaryFailure(f"next hop refused HELO: {_reply(code, text)}")

    async def transaction(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
                          mail_options: Sequence[str]) -> Outcome:
        """One message. Raises ``TemporaryFailure``/``PermanentFailure`` (the session is clean again,
        reusable) or ``_Closed``/``OSError``/``TimeoutError`` (the session is lost; ``content_sent`` says
        whether the message's bytes had gone out). One deadline covers the whole transaction."""
        self.content_sent = False
        async with asyncio.timeout(self.timeout):
            return await self._transaction(mail_from, rcpt_to, content, mail_options)

    async def _transaction(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
                           mail_options: Sequence[str]) -> Outcome:
        options = "".join(f" {o}" for o in mail_options if _supported(self.extensions, o))
        commands = [f"MAIL FROM:{_path(mail_from)}{options}", *(f"RCPT TO:{_path(r)}" for r in rcpt_to), "DATA"]
        pipelined = "PIPELINING" in self.extensions
        if pipelined:  # RFC 2920: the group ends with DATA; then read every reply
            self.writer.write(b"".join(c.encode("utf-8", "surrogateescape") + b"\r\n" for c in commands))
            replies = [await self.reply() for _ in commands]
        else:
            replies = [await self.command(commands[0])]
            if 200 <= replies[0][0] < 300:
                replies += [await self.command(c) for c in commands[1:-1]]
                if any(200 <= code < 300 for code, _ in replies[1:]):
                    replies.append(await self.command("DATA"))
        data_open = len(replies) == len(commands) and replies[-1][0] == 354
        code, text = replies[0]
        if not 200 <= code < 300:
            await self.reset(data_open=data_open)
            _raise_for(code, text)
        refused = {r: replies[1 + i] for i, r in enumerate(rcpt_to) if not 200 <= replies[1 + i][0] < 300}
        if len(refused) == len(rcpt_to):
            await self.reset(data_open=data_open)
            return _split(refused)
        code, text = replies[-1]
        if code != 354:
            await self.reset(data_open=False)
            _raise_for(code, text)
        self.content_sent = True
        self.writer.write(dot_stuffed(content))
        code, text = await self.reply()
        if not 200 <= code < 300:
            _raise_for(code, text)
        return _split(refused)

    async def reset(self, *, data_open: bool) -> None:
        """Back to a clean state after a refusal (a DATA that was opened anyway is ended empty)."""
        if data_open:
            self.writer.write(b".\r\n")
            await self.reply()
        code, _ = await self.command("RSET")
        if not 200 <= code < 300:
            raise _Closed("RSET refused")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


def _path(address: str) -> str:
    """An envelope address as a reverse/forward path: ``<a@b>``; the null sender is ``<>``."""
    address = address.strip()
    if address.startswith("<") and address.endswith(">"):
        return address
    return f"<{address}>"


def _raise_for(code: int, text: str) -> None:
    if 500 <= code < 600:
        raise PermanentFailure(_reply(code, text))
    raise TemporaryFailure(_reply(code, text))


class SmtpNextHop:
    """Kept SMTP connections to the next hop (as many as sends run at once), reopened when they break."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0, local_hostname: str | None = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.local_hostname = local_hostname or socket.getfqdn()
        self._idle: list[_Connection] = []

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
        except (OSError, TimeoutError) as err:
            raise TemporaryFailure(f"next hop {self.host}:{self.port} unreachable ({err})") from None
        conn = _Connection(reader, writer, self.timeout)
        try:
            await conn.greet(self.local_hostname)
        except (OSError, TimeoutError, _Closed) as err:
            conn.close()
            raise TemporaryFailure(f"next hop {self.host}:{self.port} unreachable ({err})") from None
        except BaseException:
            conn.close()
            raise
        return conn

    async def send(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
                   mail_options: Sequence[str]) -> Outcome:
        for _ in (1, 2):  # a kept connection the server closed meanwhile gets one fresh retry
            kept = bool(self._idle)
            conn = self._idle.pop() if kept else await self._open()
            try:
                outcome = await conn.transaction(mail_from, rcpt_to, content, mail_options)
            except (TemporaryFailure, PermanentFailure):
                self._idle.append(conn)  # refused, and the session is clean again (RSET)
                raise
            except (_Closed, OSError, TimeoutError) as err:
                conn.close()
                if kept and not conn.content_sent:
                    continue  # a stale kept connection: nothing of this message went out
                raise TemporaryFailure(f"next hop failed ({type(err).__name__}: {err})") from None
            except BaseException:
                conn.close()  # cancelled mid-transaction: the session's state is unknown
                raise
            self._idle.append(conn)
            return outcome
        raise TemporaryFailure("next hop closed the connection")

    async def close(self) -> None:
        conns, self._idle = self._idle, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.writer.write(b"QUIT\r\n")
                await asyncio.wait_for(conn.writer.drain(), 2)
            conn.close()


def _supported(extensions: set[str], option: str) -> bool:
    name = option.upper()
    if name == "BODY=8BITMIME":
        return "8BITMIME" in extensions
    if name == "SMTPUTF8":
        return "SMTPUTF8" in extensions
    return False


def _split(refused: dict[str, tuple[int, str]]) -> Outcome:
    temporary = {r: _reply(c, m) for r, (c, m) in refused.items() if not 500 <= c < 600}
    permanent = {r: _reply(c, m) for r, (c, m) in refused.items() if 500 <= c < 600}
    return Outcome(temporary, permanent)


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """Seconds before retry number ``attempt`` (1, 2, …): doubling from ``initial``, capped."""
    return float(min(maximum, initial * (2 ** max(0, attempt - 1))))
