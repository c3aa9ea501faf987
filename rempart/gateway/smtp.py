"""The SMTP content filter: Postfix hands it mail, it scans, stamps, spools, then hands it on.

One transaction, in the order that makes "never lose mail" hold::

    DATA received ─► key (Message-ID + digest + envelope) already accepted? ─► 250, nothing more
                 └─► scan in a worker (deadline) ─► error: fail_closed → 451 (Postfix keeps it)
                                                  │        fail_open  → stamp "error"
                     stamp/tag or quarantine ◄────┘
                 ─► spool entry written and fsync'd ─► 250 ─► delivery (retries, back-off) or store

Nothing is acknowledged before it is on disk; nothing leaves the spool before the next hop (or
the store) has it. Postfix's XFORWARD gives the real client address (for simulation IP ranges).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from rempart.analyzers.base import Envelope as ScanEnvelope
from rempart.config import Config
from rempart.gateway import disposition, quarantine
from rempart.gateway.delivery import NextHop, Outcome, PermanentFailure, TemporaryFailure, backoff
from rempart.gateway.scanning import ScanFailed, ScanPool
from rempart.gateway.spool import Spool, SpoolEntry, derived_key, message_key
from rempart.store.cases import StoreOptions
from rempart.store.database import Database

log = logging.getLogger("rempart.gateway.smtp")
_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
_XFORWARD_ATTRS = ("NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE")
_UNAVAILABLE = ("[UNAVAILABLE]", "[TEMPUNAVAIL]")
LINE_LENGTH_LIMIT = 4 * 1024 * 1024
FRESH_LIMIT = 1000  # spooled entries kept in memory for their first hand-on attempt
_SIMPLE_PATH = re.compile(r"\s*<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,255})>\s*(.*)$")


class ForwardedEnvelope(Envelope):
    """An aiosmtpd envelope that also keeps what Postfix's XFORWARD said about the real client."""

    def __init__(self) -> None:
        super().__init__()
        self.xforward: dict[str, str] = {}


class _DataCollector:
    """The message body of one DATA command, read straight from the socket.

    aiosmtpd reads DATA one line at a time in Python (a coroutine step, a log call and a copy per
    line: most of the filter's own CPU). A client sends nothing between the 354 and its own end of data
    (with PIPELINING too: DATA ends a command group, RFC 2920), so the bytes can be collected as they
    arrive and the terminator (CRLF . CRLF, the first CRLF being the end of the last line) found with one
    search per chunk; dot-unstuffing is one ``replace``. Bytes after the terminator (a pipelining client's
    next command group) go back to the command reader.
    """

    def __init__(self, limit: int | None) -> None:
        self.buffer = bytearray(b"\r\n")  # an implied line end before the first line
        self.limit = limit
        self.too_much = False
        self.done: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()

    def feed(self, data: bytes) -> bytes:
        """Take ``data``; return what follows the terminator once it is found (else b"")."""
        start = max(0, len(self.buffer) - 4)
        self.buffer += data
        end = self.buffer.find(b"\r\n.\r\n", start)
        if end < 0:
            if self.limit and len(self.buffer) > self.limit + 2:
                self.too_much = True
                del self.buffer[2:-4]  # keep scanning for the end, discard the content
            return b""
        if self.limit and end > self.limit:
            self.too_much = True
        leftover = bytes(self.buffer[end + 5:])
        if not self.done.done():
            body = None if self.too_much else bytes(self.buffer[: end + 2]).replace(b"\r\n.", b"\r\n")[2:]
            self.done.set_result(body)
        return leftover


class FilterSMTP(SMTP):
    """aiosmtpd's server plus the XFORWARD command (Postfix's ``smtp_send_xforward_command``) and a
    fast DATA path.

    Lines longer than RFC 5321's 1,000 octets are accepted: real mail has them, Postfix already
    accepted the message, and refusing it here would bounce it.
    """

    line_length_limit = LINE_LENGTH_LIMIT
    _collector: _DataCollector | None = None

    def _create_envelope(self) -> Envelope:
        return ForwardedEnvelope()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """``<local@domain> params``: the common shape parsed directly; anything else by aiosmtpd."""
        match = _SIMPLE_PATH.match(arg) if arg else None
        if match is None:
            return super()._getaddr(arg)
        return match.group(1), match.group(2)

    def data_received(self, data: bytes) -> None:
        collector = self._collector
        if collector is None:
            super().data_received(data)
            return
        leftover = collector.feed(data)
        if collector.done.done():
            self._collector = None
            if leftover:
                super().data_received(leftover)

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert envelope is not None
        if not envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        collector = _DataCollector(self.data_size_limit)
        self._collector = collector
        try:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            content = await collector.done
        finally:
            self._collector = None
        if content is None:
            await self.push("552 Error: Too much mail data")
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            return
        envelope.content = envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push(status)

    async def smtp_XFORWARD(self, arg: str | None) -> None:
        envelope = self.envelope
        if not arg or not isinstance(envelope, ForwardedEnvelope):
            await self.push("501 5.5.4 Syntax: XFORWARD attribute=value...")
            return
        if envelope.mail_from:
            await self.push("503 5.5.1 Error: XFORWARD not allowed within a transaction")
            return
        for item in arg.split():
            name, _, value = item.partition("=")
            if name.upper() in _XFORWARD_ATTRS and value not in _UNAVAILABLE:
                envelope.xforward[name.upper()] = _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)
        await self.push("250 2.0.0 Ok")


@dataclass
class Stats:
    accepted: int = 0
    duplicates: int = 0
    delivered: int = 0
    quarantined: int = 0
    released: int = 0
    deferred: int = 0  # 451 answered (fail_closed, spool error)
    scan_errors: int = 0
    delivery_retries: int = 0
    failed: int = 0
    spoofed_headers_removed: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)


class StageTimes:
    """Recent durations (milliseconds) of each step of the filter's path, summarised in the log at stop.

    ``scan_wait`` is the scan's round trip minus the engine's own time (waiting for a free worker, the
    pipe, JSON); ``engine`` is the worker's time for one message; ``stamp`` the header work; ``spool``
    the durable write (file and directory fsync, thread hop included); ``accept`` DATA received → 250;
    ``hand_on`` 250 → the next hop's (or the store's) acknowledgement.
    """

    STAGES = ("scan_wait", "engine", "stamp", "spool", "accept", "hand_on")

    def __init__(self, keep: int = 100_000) -> None:
        self.values: dict[str, deque[float]] = {s: deque(maxlen=keep) for s in self.STAGES}

    def record(self, stage: str, millis: float) -> None:
        self.values[stage].append(millis)

    def percentiles(self, stage: str) -> tuple[float, float, float] | None:
        ordered = sorted(self.values[stage])
        if not ordered:
            return None
        n = len(ordered)
        return tuple(ordered[min(n - 1, int(q * n))] for q in (0.5, 0.95, 0.99))  # type: ignore[return-value]

    def summary(self) -> str:
        parts = []
        for stage in self.STAGES:
            p = self.percentiles(stage)
            if p is not None:
                parts.append(f"{stage} {p[0]:.1f}/{p[1]:.1f}/{p[2]:.1f}")
        return "; ".join(parts) if parts else "no message"


class ContentFilter:
    """The filter's long-lived parts; ``start`` then ``serve_forever`` (or ``stop``)."""

    def __init__(
        self,
        config: Config,
        *,
        spool: Spool,
        pool: ScanPool,
        next_hop: NextHop,
        db: Database | None = None,
        store_options: StoreOptions | None = None,
        hostname: str = "rempart-filter",
    ) -> None:
        if config.gateway.quarantine and db is None:
            raise ValueError("[gateway] quarantine = true needs the store; pass a database or turn quarantine off.")
        self.config = config
        self.settings = config.gateway
        self.language = self.settings.language or config.language
        self.spool = spool
        self.pool = pool
        self.next_hop = next_hop
        self.db = db
        self.store_options = store_options or StoreOptions(actor="gateway")
        self.hostname = hostname
        self.stats = Stats()
        self.timings = StageTimes()
        self._inflight: set[str] = set()
        self._fresh: dict[str, SpoolEntry] = {}  # just spooled: handed on without reading it back
        self._acked: dict[str, float] = {}  # the fresh entries' 250 (perf_counter), for the hand-on timing
        self._removals: deque[str] = deque()  # delivered keys whose queue file is still to unlink
        self._removing = False
        self._attempts: dict[str, int] = {}
        self._ready: asyncio.Queue[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None
        self._io = named_threads("rempart-spool", 16)
        self._store = named_threads("rempart-store", 1)
        self.on_event: Callable[[str, dict[str, Any]], None] | None = None  # tests and benchmarks

    # -- life cycle ---------------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        """Recover the spool, fork the scan workers, start delivery, then listen."""
        pending = self.spool.recover()
        self.pool.start()  # before any thread of this process exists
        self._ready = asyncio.Queue()
        for key in pending:
            self._ready.put_nowait(key)
        for _ in range(self.settings.delivery_connections):
            self._tasks.append(asyncio.create_task(self._delivery_loop()))
        if self.db is not None:
            self._tasks.append(asyncio.create_task(self._release_loop()))
        self._tasks.append(asyncio.create_task(self._housekeeping()))
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host, port)
        log.info("listening on %s:%d, %d message(s) to hand on from the spool", host, port, len(pending))

    def _protocol(self) -> FilterSMTP:
        return FilterSMTP(
            self,
            hostname=self.hostname,
            data_size_limit=self.settings.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            ident="Rempart content filter",
        )

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def stop(self) -> None:
        log.info("stage timings, ms p50/p95/p99: %s", self.timings.summary())
        log.info("spool: %d entries written, %d queue directory fsyncs (group commit)", self.spool.puts,
                 self.spool.dir_syncs)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self.pool.stop()
        with contextlib.suppress(Exception):
            await self.next_hop.close()
        self.spool.close()
        for executor in (self._io, self._store):
            executor.shutdown(wait=True)

    def _emit(self, event: str, **details: Any) -> None:
        if self.on_event is not None:
            self.on_event(event, details)

    # -- aiosmtpd hooks -----------------------------------------------------------------------------

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        """XFORWARD, and PIPELINING: Postfix then sends XFORWARD, MAIL, RCPT and DATA in one write and
        reads their replies together (one round trip and one read per group instead of four)."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", "250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE",
                responses[-1]]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            return await self._accept(envelope)
        except Exception:  # never a 5xx for our own trouble: Postfix keeps the mail and retries
            log.exception("could not accept a message; answered 451")
            self.stats.deferred += 1
            return "451 4.3.0 Content filter error; try again later"

    async def _accept(self, envelope: Envelope) -> str:
        started = time.perf_counter()
        raw = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        rcpt_to = tuple(envelope.rcpt_tos)
        key = message_key(raw, mail_from, rcpt_to)
        if key in self._inflight or self.spool.seen(key):
            self.stats.duplicates += 1
            self._emit("duplicate", key=key)
            return "250 2.0.0 Ok: already accepted (duplicate suppressed)"
        self._inflight.add(key)
        try:
            forwarded = envelope.xforward if isinstance(envelope, ForwardedEnvelope) else {}
            scan_envelope = ScanEnvelope(mail_from, rcpt_to, forwarded.get("ADDR", ""), forwarded.get("HELO", ""))
            try:
                result = await self.pool.scan(raw, scan_envelope)
            except ScanFailed as err:
                scanned = time.perf_counter()
                self.stats.scan_errors += 1
                if self.settings.on_error == "fail_closed":
                    log.warning("scan failed (%s); fail_closed: answered 451", err.reason)
                    self.stats.deferred += 1
                    return "451 4.7.0 Message could not be scanned; try again later"
                log.warning("scan failed (%s); fail_open: delivering with X-Rempart-Verdict: error", err.reason)
                outcome = disposition.dispose_error(raw, err.reason, key)
                meta: dict[str, Any] = {}
            else:
                scanned = time.perf_counter()
                self.timings.record("engine", result.millis)
                self.timings.record("scan_wait", max(0.0, (scanned - started) * 1000 - result.millis))
                outcome = disposition.dispose(raw, result, self.settings, self.language, key)
                meta = {"case": result.case} if outcome.action == "quarantine" else {}
            stamped = time.perf_counter()
            self.timings.record("stamp", (stamped - scanned) * 1000)
            entry = SpoolEntry(
                key=key,
                action=outcome.action,
                mail_from=mail_from,
                rcpt_to=rcpt_to,
                content=outcome.content,
                mail_options=_kept_options(envelope),
                meta=meta,
                accepted_at=time.time(),
            )
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._io, self.spool.put, entry)
            except OSError as err:
                log.error("spool write failed (%s); answered 451", err)
                self.stats.deferred += 1
                return "451 4.3.0 Spool unavailable; try again later"
            done = time.perf_counter()
            self.timings.record("spool", (done - stamped) * 1000)
            self.timings.record("accept", (done - started) * 1000)
            self.stats.accepted += 1
            self.stats.spoofed_headers_removed += outcome.removed_headers
            self.stats.verdicts[outcome.verdict] = self.stats.verdicts.get(outcome.verdict, 0) + 1
            self._emit("accepted", key=key, verdict=outcome.verdict, action=outcome.action)
            assert self._ready is not None
            if len(self._fresh) < FRESH_LIMIT:
                self._fresh[key] = entry
                self._acked[key] = done
            self._ready.put_nowait(key)
            return f"250 2.0.0 Ok: queued as {key[:20]}"
        finally:
            self._inflight.discard(key)

    # -- handing on ---------------------------------------------------------------------------------

    async def _delivery_loop(self) -> None:
        assert self._ready is not None
        loop = asyncio.get_running_loop()
        while True:
            key = await self._ready.get()
            try:
                fresh = self._fresh.pop(key, None)
                entry = fresh if fresh is not None else await loop.run_in_executor(self._io, self.spool.load, key)
            except FileNotFoundError:
                continue  # already handed on
            except Exception:
                log.exception("unreadable spool entry %s; left in place", key[:20])
                continue
            try:
                if entry.action == "quarantine":
                    await self._quarantine(entry)
                else:
                    await self._deliver(entry)
            except Exception as err:  # temporary by construction: permanent refusals are handled inside
                attempt = self._attempts.get(key, 0) + 1
                self._attempts[key] = attempt
                delay = backoff(attempt, self.settings.retry_initial_seconds, self.settings.retry_max_seconds)
                self.stats.delivery_retries += 1
                log.warning("hand-on of %s failed (%s); retry %d in %.1f s", key[:20], err, attempt, delay)
                loop.call_later(delay, self._ready.put_nowait, key)
                continue
            self._attempts.pop(key, None)

    async def _send_and_log(self, entry: SpoolEntry) -> Outcome:
        """Send, and when every recipient was accepted, log the key at once.

        The note that a message was handed on is the filter's half of exactly-once; writing it in the
        same step of the event loop as reading the next hop's 250 (no ``await`` between them) leaves
        microseconds in which a crash re-delivers.
        """
        outcome = await self.next_hop.send(entry.mail_from, entry.rcpt_to, entry.content, entry.mail_options)
        if not outcome.temporary and not outcome.permanent:
            self.spool.mark_done(entry.key, remove=False)  # one write(2) on the loop
            self._remove_later(entry.key)
        return outcome

    def _remove_later(self, key: str) -> None:
        """Queue files of delivered entries are unlinked in a thread (an unlink can wait milliseconds on
        the file system journal), many per thread hop under load. Crash-safe: the key is in the done log,
        so a file left behind is removed at the next start."""
        self._removals.append(key)
        if not self._removing:
            self._removing = True
            self._io.submit(self._remove_pending)

    def _remove_pending(self) -> None:
        while True:
            try:
                key = self._removals.popleft()
            except IndexError:
                self._removing = False
                if not self._removals:  # one appended after the empty pop would otherwise wait
                    return
                self._removing = True
                continue
            try:
                self.spool.remove(key)
            except OSError as err:
                log.warning("could not remove the queue file of %s (%s); removed at the next start", key[:20], err)

    async def _deliver(self, entry: SpoolEntry) -> None:
        loop = asyncio.get_running_loop()
        try:
            outcome = await self._send_and_log(entry)
        except PermanentFailure as err:
            log.error("next hop refused %s for good (%s); kept in failed/", entry.key[:20], err)
            await loop.run_in_executor(self._io, self.spool.mark_failed, entry.key, str(err))
            self._acked.pop(entry.key, None)
            self.stats.failed += 1
            return
        if outcome.temporary:
            retry = SpoolEntry(derived_key(entry.key, "retry", *sorted(outcome.temporary)), entry.action,
                               entry.mail_from, tuple(outcome.temporary), entry.content, entry.mail_options,
                               entry.meta, entry.accepted_at)
            await loop.run_in_executor(self._io, self.spool.put, retry)
            assert self._ready is not None
            loop.call_later(self.settings.retry_initial_seconds, self._ready.put_nowait, retry.key)
        if outcome.permanent:
            refused = SpoolEntry(derived_key(entry.key, "refused", *sorted(outcome.permanent)), entry.action,
                                 entry.mail_from, tuple(outcome.permanent), entry.content, entry.mail_options,
                                 entry.meta, entry.accepted_at)
            await loop.run_in_executor(self._io, self.spool.put, refused)
            reason = "; ".join(f"{r}: {m}" for r, m in outcome.permanent.items())
            await loop.run_in_executor(self._io, self.spool.mark_failed, refused.key, reason)
            self.stats.failed += 1
        if outcome.temporary or outcome.permanent:
            await loop.run_in_executor(self._io, self.spool.mark_done, entry.key)
        self.stats.delivered += 1
        self._record_hand_on(entry.key)
        added_ms = (time.time() - entry.accepted_at) * 1000
        self._emit("delivered", key=entry.key, added_ms=added_ms)

    def _record_hand_on(self, key: str) -> None:
        acked = self._acked.pop(key, None)
        if acked is not None:
            self.timings.record("hand_on", (time.perf_counter() - acked) * 1000)

    async def _quarantine(self, entry: SpoolEntry) -> None:
        if self.db is None:
            raise TemporaryFailure("no store configured for quarantine")
        loop = asyncio.get_running_loop()
        case_id = await loop.run_in_executor(self._store, self._hold_and_log, entry)
        self.stats.quarantined += 1
        self._record_hand_on(entry.key)
        log.info("quarantined %s as case %d", entry.key[:20], case_id)
        self._emit("quarantined", key=entry.key, case_id=case_id)

    def _hold_and_log(self, entry: SpoolEntry) -> int:
        assert self.db is not None
        case_id = quarantine.hold(self.db, self.store_options, entry.content, entry.meta["case"])
        self.spool.mark_done(entry.key)
        return case_id

    async def _release_loop(self) -> None:
        while True:
            try:
                await self.release_once()
            except Exception as err:  # the store being down must not stop mail flow
                log.warning("release check failed: %s", err)
            await asyncio.sleep(self.settings.release_poll_seconds)

    async def release_once(self) -> int:
        """Spool every release the analysts asked for; return how many."""
        assert self.db is not None and self._ready is not None
        loop = asyncio.get_running_loop()
        releases = await loop.run_in_executor(self._store, quarantine.pending, self.db)
        for release in releases:
            key = derived_key("release", str(release.case_id))
            if release.raw is None:
                log.error("case %d was released but its message was purged; nothing to deliver", release.case_id)
                continue
            if not self.spool.seen(key):
                content = disposition.released(release.raw, release.verdict, release.score, release.reasons,
                                               release.case_id, self.settings, self.language, key)
                entry = SpoolEntry(key, "deliver", release.envelope_from, release.envelope_to, content,
                                   ("BODY=8BITMIME",), {}, time.time())
                await loop.run_in_executor(self._io, self.spool.put, entry)
                self._ready.put_nowait(key)
            await loop.run_in_executor(self._store, quarantine.mark_released, self.db, self.store_options,
                                       release.case_id)
            self.stats.released += 1
            self._emit("released", case_id=release.case_id)
        return len(releases)

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(600)
            self.spool.prune()


def named_threads(name: str, workers: int) -> ThreadPoolExecutor:
    """A thread pool whose threads carry ``name`` in ``ps -L``/``top -H`` (operators see who spends CPU)."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name, initializer=set_thread_name,
                              initargs=(name,))


def set_thread_name(name: str) -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode("ascii")[:15] + b"\0", 0, 0, 0)  # PR_SET_NAME


def _kept_options(envelope: Envelope) -> tuple[str, ...]:
    options = [o for o in envelope.mail_options if o.upper().startswith(("BODY=", "SMTPUTF8"))]
    if envelope.smtp_utf8 and "SMTPUTF8" not in (o.upper() for o in options):
        options.append("SMTPUTF8")
    return tuple(options)


def spool_path(setting: str, data_dir: Path) -> Path:
    return Path(setting) if setting else data_dir / "gateway" / "spool"
