"""Handing mail on: the next hop (SMTP) behind a small interface, and the retry schedule.

``NextHop.send`` answers per recipient: accepted, refused for now (4xx: retry later) or refused
for good (5xx). A connection that fails or a 4xx for the whole transaction is ``TemporaryFailure``;
a 5xx for the whole transaction is ``PermanentFailure``. Tests and benchmarks use the real SMTP
implementation against a real receiving server on loopback.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
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
    def send(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
             mail_options: Sequence[str]) -> Outcome: ...

    def close(self) -> None: ...


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


class SmtpNextHop:
    """One persistent SMTP connection per delivery thread, reopened when it breaks."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0, local_hostname: str | None = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.local_hostname = local_hostname or socket.getfqdn()
        self._local = threading.local()
        self._all: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def _connection(self) -> smtplib.SMTP:
        conn: smtplib.SMTP | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
                conn.ehlo()
            except (OSError, smtplib.SMTPException) as err:
                raise TemporaryFailure(f"next hop {self.host}:{self.port} unreachable ({err})") from None
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop(self) -> None:
        conn: smtplib.SMTP | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def send(self, mail_from: str, rcpt_to: Sequence[str], content: bytes,
             mail_options: Sequence[str]) -> Outcome:
        for attempt in (1, 2):  # a kept connection the server closed meanwhile gets one fresh retry
            conn = self._connection()
            options = [o for o in mail_options if _supported(conn, o)]
            try:
                refused = conn.sendmail(mail_from, list(rcpt_to), content, mail_options=options)
            except smtplib.SMTPServerDisconnected as err:
                self._drop()
                if attempt == 2:
                    raise TemporaryFailure(f"next hop closed the connection ({err})") from None
                continue
            except smtplib.SMTPRecipientsRefused as err:
                self._reset(conn)
                return _split(err.recipients)
            except smtplib.SMTPResponseException as err:
                self._reset(conn)
                reply = _reply(err.smtp_code, err.smtp_error)
                if 500 <= err.smtp_code < 600:
                    raise PermanentFailure(reply) from None
                raise TemporaryFailure(reply) from None
            except (OSError, smtplib.SMTPException) as err:
                self._drop()
                raise TemporaryFailure(f"next hop failed ({type(err).__name__}: {err})") from None
            return _split(refused)
        raise TemporaryFailure("next hop unreachable")

    def _reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except Exception:
            self._drop()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.quit()


def _supported(conn: smtplib.SMTP, option: str) -> bool:
    name = option.upper()
    if name == "BODY=8BITMIME":
        return bool(conn.has_extn("8bitmime"))
    if name == "SMTPUTF8":
        return bool(conn.has_extn("smtputf8"))
    return False


def _split(refused: dict[str, tuple[int, bytes]]) -> Outcome:
    temporary = {r: _reply(c, m) for r, (c, m) in refused.items() if not 500 <= c < 600}
    permanent = {r: _reply(c, m) for r, (c, m) in refused.items() if 500 <= c < 600}
    return Outcome(temporary, permanent)


def backoff(attempt: int, initial: float, maximum: float) -> float:
    """Seconds before retry number ``attempt`` (1, 2, …): doubling from ``initial``, capped."""
    return float(min(maximum, initial * (2 ** max(0, attempt - 1))))
