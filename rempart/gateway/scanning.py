"""What the gateway asks of the engine, and where it runs: worker processes with a hard deadline.

``evaluate`` runs inside a worker: scan, recognise a simulation, and — for mail the filter will
quarantine — build the case document the store keeps (so the parent never scans). Answers are
JSON, never pickle: a worker that hostile input subverted cannot make the filter run code.

``ScanPool`` keeps ``workers`` processes, forked once the engine is built (they share it
copy-on-write). A scan that overruns the deadline gets its worker killed (SIGKILL) and replaced;
a worker that dies is replaced too; both surface as ``ScanFailed`` so the filter applies its
``on_error`` policy. Workers die with the filter (``PR_SET_PDEATHSIG``, and a parent check).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ctypes
import json
import multiprocessing
import os
import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from rempart.analyzers.base import Envelope
from rempart.config import GatewaySettings
from rempart.engine.engine import Engine
from rempart.engine.verdict import Level, Verdict
from rempart.gateway.simulation import match_simulation
from rempart.store.campaigns import Signature, signature
from rempart.store.cases import NewCase

INLINE_SEND_BYTES = 48 * 1024  # below Linux's 64 KiB pipe buffer: written without a thread hop


class ScanFailed(Exception):
    """The engine raised, timed out or its worker died; ``reason`` is one short phrase."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ScanResult:
    level: str  # clean | suspicious | malicious
    score: float
    reasons: tuple[tuple[str, float], ...]
    simulation: str = ""  # what identified a phishing simulation, "" otherwise
    case: dict[str, Any] | None = None  # the case document, when the message is to be quarantined
    millis: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScanResult:
        return cls(
            level=str(data["level"]),
            score=float(data["score"]),
            reasons=tuple((str(c), float(w)) for c, w in data["reasons"]),
            simulation=str(data.get("simulation", "")),
            case=data.get("case"),
            millis=float(data.get("millis", 0.0)),
        )


# -- the case document (worker → spool → store) ----------------------------------------------------


_LONG_TOKEN = re.compile(r"\S{200,}")


def campaign_signature(verdict: Verdict) -> Signature | None:
    body = verdict.facts.get("body", {})
    domains = [u.get("domain", "") for u in verdict.facts.get("urls", []) if u.get("domain")]
    text = str(body.get("text") or body.get("html_text") or "")
    # Runs of 200+ non-blank characters (base64, long tokens) are no words to compare, and the store's
    # e-mail pattern (\S+@\S+) takes time quadratic in their length: 13 s for one 174 KB corpus message.
    return signature(_LONG_TOKEN.sub(" ", text), domains)


def case_document(new: NewCase) -> dict[str, Any]:
    """``new`` as JSON (its raw bytes travel separately)."""
    return {
        "level": new.level,
        "score": new.score,
        "lure_type": new.lure_type,
        "verdict": new.verdict,
        "facts": new.facts,
        "findings": new.findings,
        "source": new.source,
        "message_id": new.message_id,
        "subject": new.subject,
        "sender_address": new.sender_address,
        "sender_domain": new.sender_domain,
        "addresses": [list(a) for a in new.addresses],
        "received_at": new.received_at.isoformat() if new.received_at else None,
        "envelope_from": new.envelope_from,
        "envelope_to": list(new.envelope_to),
        "signature": None if new.signature is None else {
            "minhash": base64.b64encode(new.signature.minhash).decode("ascii"),
            "infra_key": new.signature.infra_key,
        },
        "quarantine": new.quarantine,
    }


def case_from_document(raw: bytes, doc: dict[str, Any]) -> NewCase:
    sig = doc.get("signature")
    return NewCase(
        raw=raw,
        level=str(doc["level"]),
        score=float(doc["score"]),
        lure_type=str(doc["lure_type"]),
        verdict=dict(doc["verdict"]),
        facts=dict(doc.get("facts") or {}),
        findings=list(doc.get("findings") or []),
        source=str(doc.get("source", "gateway")),
        message_id=str(doc.get("message_id", "")),
        subject=str(doc.get("subject", "")),
        sender_address=str(doc.get("sender_address", "")),
        sender_domain=str(doc.get("sender_domain", "")),
        addresses=tuple((str(r), str(a)) for r, a in doc.get("addresses", [])),
        received_at=datetime.fromisoformat(doc["received_at"]) if doc.get("received_at") else None,
        envelope_from=doc.get("envelope_from"),
        envelope_to=tuple(doc.get("envelope_to") or ()),
        signature=None if not sig else Signature(base64.b64decode(sig["minhash"]), str(sig["infra_key"])),
        quarantine=bool(doc.get("quarantine", False)),
    )


def build_case(raw: bytes, verdict: Verdict, envelope: Envelope | None, *, source: str,
               quarantine: bool) -> NewCase:
    from rempart.service.intake import new_case  # the API's own mapping, shared (see issue 6)
    from rempart.store.timeutil import utcnow

    return new_case(
        raw,
        verdict,
        campaign_signature(verdict),
        source=source,
        envelope_from=(envelope.mail_from or None) if envelope else None,
        envelope_to=envelope.rcpt_to if envelope else (),
        received_at=utcnow() if source == "gateway" else None,
        quarantine=quarantine,
    )


# -- in the worker -----------------------------------------------------------------------------------


def encode_request(raw: bytes, envelope: Envelope) -> bytes:
    head = {"mail_from": envelope.mail_from, "rcpt_to": list(envelope.rcpt_to),
            "client_ip": envelope.client_ip, "helo": envelope.helo}
    return json.dumps(head).encode("utf-8") + b"\n" + raw


def decode_request(data: bytes) -> tuple[bytes, Envelope]:
    line_end = data.index(b"\n")
    head = json.loads(data[:line_end])
    envelope = Envelope(str(head["mail_from"]), tuple(head["rcpt_to"]), str(head["client_ip"]),
                        str(head["helo"]))
    return data[line_end + 1:], envelope


def evaluate(engine: Engine, settings: GatewaySettings, raw: bytes, envelope: Envelope) -> dict[str, Any]:
    started = time.perf_counter()
    verdict = engine.scan(raw, envelope)
    simulation = match_simulation(settings.simulation, verdict.facts, envelope, settings.trusted_received_hops)
    case = None
    if settings.quarantine and verdict.level is Level.MALICIOUS and not simulation:
        case = case_document(build_case(raw, verdict, envelope, source="gateway", quarantine=True))
    return {
        "level": verdict.level.value,
        "score": verdict.score,
        "reasons": [[r.code, r.weight] for r in verdict.reasons],
        "simulation": simulation,
        "case": case,
        "millis": (time.perf_counter() - started) * 1000,
    }


def gateway_handler(engine: Engine, settings: GatewaySettings) -> Callable[[bytes], bytes]:
    def handle(request: bytes) -> bytes:
        raw, envelope = decode_request(request)
        return json.dumps(evaluate(engine, settings, raw, envelope)).encode("utf-8")

    return handle


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(conn: Connection, handler: Callable[[bytes], bytes], parent: int, close: list[Connection],
           warm_up: bytes | None = None) -> None:
    for other in close:
        with contextlib.suppress(OSError):
            other.close()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the filter decides when workers stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if warm_up is not None:
        # What a forked engine builds for itself (its own attachment sandbox: a fork of ~100 MB, tens of
        # ms) is built now, before the first real message waits on it.
        with contextlib.suppress(Exception):
            handler(warm_up)
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:
                return
            continue
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            answer = handler(request)
        except Exception as err:  # reported to the parent, which applies the error policy
            answer = json.dumps({"error": f"{type(err).__name__}: {str(err)[:200]}"}).encode("utf-8")
        conn.send_bytes(answer)


# -- in the filter -----------------------------------------------------------------------------------


@dataclass
class _Worker:
    process: Any
    conn: Connection
    jobs: int = 0


@dataclass
class ScanPool:
    handler: Callable[[bytes], bytes]
    workers: int = 1
    timeout: float = 20.0
    warm_up: bytes | None = None  # a request each new worker answers once, for itself, before any other
    _idle: asyncio.Queue[_Worker] | None = None
    _all: list[_Worker] = field(default_factory=list)
    restarts: int = 0
    _pipe: ThreadPoolExecutor | None = None

    def _sender(self) -> ThreadPoolExecutor:
        if self._pipe is None:
            from rempart.gateway.smtp import named_threads

            self._pipe = named_threads("rempart-scanpipe", max(2, self.workers))
        return self._pipe

    def start(self) -> None:
        """Fork the workers (call before starting threads: forking a threaded process is fragile)."""
        self._idle = asyncio.Queue()
        for _ in range(self.workers):
            self._idle.put_nowait(self._spawn())

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=True)
        others = [w.conn for w in self._all] + [parent_end]
        process = context.Process(target=_serve, args=(child_end, self.handler, os.getpid(), others, self.warm_up),
                                  daemon=True, name="rempart-scan")
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._all.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError, AttributeError, TypeError):
            os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(timeout=5)
        with contextlib.suppress(OSError):
            worker.conn.close()
        self._all.remove(worker)
        self.restarts += 1
        assert self._idle is not None
        self._idle.put_nowait(self._spawn())

    async def run(self, request: bytes) -> bytes:
        if self._idle is None:
            raise ScanFailed("scanner not started")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        if not self._idle.empty():
            worker = self._idle.get_nowait()  # the common case, without a task and a timer for the wait
        else:
            try:
                worker = await asyncio.wait_for(self._idle.get(), self.timeout)
            except TimeoutError:
                raise ScanFailed("no scan worker free before the deadline") from None
        readable: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        try:
            if len(request) < INLINE_SEND_BYTES:  # fits the pipe: the idle worker's read makes room at once
                worker.conn.send_bytes(request)
            else:
                await loop.run_in_executor(self._sender(), worker.conn.send_bytes, request)
            loop.add_reader(fd, ready)
            try:
                async with asyncio.timeout_at(deadline):
                    await readable
            finally:
                loop.remove_reader(fd)
                if not os.get_blocking(fd):  # uvloop's add_reader leaves the pipe non-blocking: a large
                    os.set_blocking(fd, True)  # answer or the next large request would meet EAGAIN
            answer = worker.conn.recv_bytes()
        except TimeoutError:
            self._replace(worker)
            raise ScanFailed(f"scan timed out after {self.timeout:g} s") from None
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise ScanFailed("scan worker died") from None
        except BaseException:
            self._replace(worker)  # cancelled mid-request: the worker's state is unknown
            raise
        self._idle.put_nowait(worker)
        return answer

    async def scan(self, raw: bytes, envelope: Envelope) -> ScanResult:
        answer = json.loads(await self.run(encode_request(raw, envelope)))
        if "error" in answer:
            raise ScanFailed(f"engine error ({answer['error']})")
        return ScanResult.from_json(answer)

    def stop(self) -> None:
        for worker in list(self._all):
            with contextlib.suppress(OSError):
                worker.conn.close()
            with contextlib.suppress(ProcessLookupError, AttributeError, TypeError):
                os.kill(worker.process.pid, signal.SIGKILL)
            worker.process.join(timeout=5)
        self._all.clear()
        if self._pipe is not None:
            self._pipe.shutdown(wait=False)
            self._pipe = None
