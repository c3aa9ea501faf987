"""Crash campaign: stream mail into ``rempart gateway smtp`` while killing it with SIGKILL, then count.

Used by tests/gateway/test_crash.py (a few hundred messages, a handful of kills) and by
bench/smtp_filter.py (5,000 messages, 20 kills). The client behaves like Postfix: a transaction
is the filter's only when it answered 250; anything else (4xx, connection refused or cut) is
retried later with the very same bytes. Every message carries ``X-Test-Seq`` so the receiving
server and the store can say which message each copy is.
"""

from __future__ import annotations

import contextlib
import os
import queue
import random
import re
import signal
import smtplib
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.gateway.servers import Sink, free_port, start_filter, wait_port

_SEQ = re.compile(rb"^X-Test-Seq: (\d+)\r?$", re.MULTILINE)


def numbered(messages: Sequence[bytes]) -> list[bytes]:
    return [f"X-Test-Seq: {i}\r\n".encode("ascii") + raw for i, raw in enumerate(messages)]


def seq_of(content: bytes) -> int:
    match = _SEQ.search(content)
    return int(match.group(1)) if match else -1


@dataclass
class CampaignResult:
    sent: int
    accepted: int
    delivered_distinct: int
    quarantined_distinct: int
    lost: list[int]
    duplicates: int  # extra copies at the next hop
    duplicate_cases: int  # extra quarantined cases for one message
    identical_duplicates: bool  # every extra copy is byte-identical to the first
    kills: int
    orphans: int  # worker processes that outlived a killed filter
    attempts: int  # transactions tried (retries included)
    deferred: int  # transactions not answered 250 (retried)
    seconds: float
    restart_seconds: list[float] = field(default_factory=list)


class Campaign:
    def __init__(self, workdir: Path, messages: Sequence[bytes], *, kills: int, clients: int = 4,
                 config: Path | None = None, seed: int = 7) -> None:
        self.workdir = workdir
        self.messages = numbered(messages)
        self.kills = kills
        self.clients = clients
        self.config = config
        self.random = random.Random(seed)
        self.sink = Sink()
        self.port = free_port()
        self.accepted: set[int] = set()
        self.attempts = 0
        self.deferred = 0
        self.lock = threading.Lock()
        self.todo: queue.Queue[int] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None
        self.orphans = 0
        self.restart_seconds: list[float] = []
        self.env = {"REMPART_DATA_DIR": str(workdir / "data")}
        self.error: Exception | None = None
        self.killed = 0

    # -- the filter process ------------------------------------------------------------------------

    def _start(self) -> None:
        assert self.sink.controller is not None
        t0 = time.monotonic()
        self.process = start_filter(self.port, self.sink.controller.port, self.workdir / "spool",
                                    self.config, env=self.env, log=self.workdir / "filter.log")
        wait_port(self.port, process=self.process)
        self.restart_seconds.append(time.monotonic() - t0)

    def _kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)  # the filter alone, as a crash would
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # its scan workers must follow it (PR_SET_PDEATHSIG)
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        self.orphans += 1
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    # -- the Postfix-like client -------------------------------------------------------------------

    def _client(self) -> None:
        while self.error is None:
            try:
                seq = self.todo.get(timeout=0.2)
            except queue.Empty:
                with self.lock:
                    if len(self.accepted) == len(self.messages):
                        return
                continue
            raw = self.messages[seq]
            code = 0
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as client:
                    client.ehlo("postfix.test")
                    client.docmd("XFORWARD", "ADDR=198.51.100.7 NAME=mx.example.net")
                    client.mail("sender@example.net", ["BODY=8BITMIME"])
                    client.rcpt("claire.martin@cabinet-example.fr")
                    code, _ = client.data(raw)
            except (OSError, smtplib.SMTPException):
                code = 0
            with self.lock:
                self.attempts += 1
                if code == 250:
                    self.accepted.add(seq)
                    continue
                self.deferred += 1
            time.sleep(0.05)
            self.todo.put(seq)

    def _killer(self, done: threading.Event) -> None:
        try:
            self._kill_at_marks(done)
        except Exception as err:  # a filter that cannot restart ends the campaign, loudly
            self.error = err

    def _kill_at_marks(self, done: threading.Event) -> None:
        total = len(self.messages)
        marks = sorted(self.random.uniform(0.05, 0.9) * total for _ in range(self.kills))
        for mark in marks:
            while not done.is_set():
                with self.lock:
                    if len(self.accepted) >= mark:
                        break
                time.sleep(0.005)
            if done.is_set():
                return
            time.sleep(self.random.uniform(0.0, 0.05))  # land anywhere in a transaction or a delivery
            self._kill()
            self._start()
            self.killed += 1

    # -- the run -----------------------------------------------------------------------------------

    def run(self, drain_timeout: float = 300.0) -> CampaignResult:
        self.killed = 0
        self.error = None
        self.sink.start()
        started = time.monotonic()
        self._start()
        for seq in range(len(self.messages)):
            self.todo.put(seq)
        done = threading.Event()
        killer = threading.Thread(target=self._killer, args=(done,))
        clients = [threading.Thread(target=self._client) for _ in range(self.clients)]
        killer.start()
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        done.set()
        killer.join()
        if self.error is not None:
            self.sink.stop()
            log = (self.workdir / "filter.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"campaign aborted: {self.error}\n{log}")
        quarantined = self._drain(drain_timeout)
        elapsed = time.monotonic() - started
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._kill()
        self.sink.stop()
        return self._result(quarantined, elapsed)

    def _drain(self, timeout: float) -> Counter[int]:
        """Wait until every accepted message reached the next hop or the store."""
        deadline = time.monotonic() + timeout
        while True:
            delivered = {seq_of(d.content) for d in self.sink.deliveries}
            quarantined = self._quarantined()
            missing = self.accepted - delivered - set(quarantined)
            if not missing or time.monotonic() > deadline:
                time.sleep(1.0)  # late duplicates, if any, get the chance to show up
                return self._quarantined()
            time.sleep(0.2)

    def _quarantined(self) -> Counter[int]:
        from sqlalchemy import select

        from rempart.store import cases
        from rempart.store.database import Database
        from rempart.store.models import Case

        path = self.workdir / "data" / "rempart.db"
        if not path.exists():
            return Counter()
        db = Database(f"sqlite:///{path}")
        try:
            with db.read() as session:
                ids = session.execute(select(Case.id).where(Case.source == "gateway")).scalars().all()
                return Counter(seq_of(cases.raw_message(session, i) or b"") for i in ids)
        except Exception:
            return Counter()
        finally:
            db.dispose()

    def _result(self, quarantined: Counter[int], elapsed: float) -> CampaignResult:
        copies: dict[int, list[bytes]] = {}
        for d in self.sink.deliveries:
            copies.setdefault(seq_of(d.content), []).append(d.content)
        lost = sorted(self.accepted - set(copies) - set(quarantined))
        duplicates = sum(len(c) - 1 for c in copies.values())
        identical = all(len(set(c)) == 1 for c in copies.values())
        return CampaignResult(
            sent=len(self.messages),
            accepted=len(self.accepted),
            delivered_distinct=len(copies),
            quarantined_distinct=len(quarantined),
            lost=lost,
            duplicates=duplicates,
            duplicate_cases=sum(n - 1 for n in quarantined.values()),
            identical_duplicates=identical,
            kills=self.killed,
            orphans=self.orphans,
            attempts=self.attempts,
            deferred=self.deferred,
            seconds=elapsed,
            restart_seconds=self.restart_seconds,
        )
