"""Real servers on loopback for the gateway tests: a receiving SMTP server that counts deliveries,
free ports, and a filter process started the way an operator starts it (``rempart gateway smtp``)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 120.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class _LongLinesSMTP(SMTP):
    line_length_limit = 4 * 1024 * 1024  # like Postfix's reinjection port: real mail has long lines


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _LongLinesSMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class Delivery:
    mail_from: str
    rcpt_to: tuple[str, ...]
    content: bytes
    at: float

    @property
    def headers(self) -> Any:
        return BytesHeaderParser().parsebytes(self.content)

    @property
    def message_id(self) -> str:
        return str(self.headers.get("Message-ID", "")).strip()


@dataclass
class Sink:
    """The next hop: a real aiosmtpd server that keeps every message it accepts."""

    deliveries: list[Delivery] = field(default_factory=list)
    reply: str = ""  # e.g. "451 4.3.0 busy" to refuse for now
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None
    pipelining: bool = False  # advertise PIPELINING, as Postfix's smtpd does

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.reply:
            return self.reply
        with self.lock:
            self.deliveries.append(Delivery(envelope.mail_from or "", tuple(envelope.rcpt_tos),
                                            envelope.original_content or b"", time.time()))
        return "250 2.0.0 Ok: delivered"

    def start(self, port: int = 0) -> int:
        port = port or free_port()
        self.controller = _Controller(self, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True,
                                     decode_data=False, ready_timeout=30)
        self.controller.start()
        return port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def count(self) -> int:
        with self.lock:
            return len(self.deliveries)

    def wait_for(self, n: int, timeout: float = 60.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while self.count() < n and time.monotonic() < deadline:
            time.sleep(0.02)
        with self.lock:
            return list(self.deliveries)

    def by_message_id(self) -> Counter[str]:
        with self.lock:
            return Counter(d.message_id for d in self.deliveries)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start_filter(listen: int, next_hop: int, spool: Path, config: Path | None = None,
                 env: dict[str, str] | None = None, log: Path | None = None,
                 log_level: str = "warning") -> subprocess.Popen[bytes]:
    """``rempart gateway smtp`` in its own process (its own session, so kill -9 hits it alone)."""
    command = [sys.executable, "-m", "rempart.cli.app", "gateway", "smtp",
               "--listen", f"127.0.0.1:{listen}", "--next-hop", f"127.0.0.1:{next_hop}",
               "--spool", str(spool), "--log-level", log_level]
    if config is not None:
        command += ["--config", str(config)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    return subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})}, stdout=out, stderr=out,
                            start_new_session=True)


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """kill -9 the filter and everything it forked (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
