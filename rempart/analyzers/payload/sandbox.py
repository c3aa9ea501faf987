"""Run the heavy per-attachment parsers where a hostile file cannot hang or exhaust the worker.

Why a separate process: the parsers (zlib, oletools, pypdf, zxing-cpp, YARA, pycdlib) are partly
native code fed with attacker-chosen bytes. A Python-level timer cannot interrupt native code, and a
decompression or allocation bomb would take the scanning process down. So each engine process
keeps one **sandbox worker**, forked from it (after the parsers were imported and warmed up, so the
worker starts ready) and reused across messages:

- the worker caps its own address space once (``RLIMIT_AS`` = its size at fork + ``memory_mb``;
  relative, because a forked child already maps everything its parent mapped) and, before each
  attachment, its CPU time (``RLIMIT_CPU`` soft limit = CPU used so far + the time budget + 1 s;
  the kernel then kills it with SIGXCPU). A Python ``MemoryError`` is reported per attachment;
- it closes every descriptor it inherited except its two pipes (no database connection, socket or
  other worker's pipe stays reachable from code parsing hostile bytes);
- requests go in as a length-prefixed JSON header plus the raw attachment bytes; answers come back
  as JSON lines (``begin`` i, then ``done``/``limit``/``error`` i, then ``end``) — JSON, never pickle,
  so a worker subverted by a hostile file cannot make the engine run code;
- the engine waits with a wall-clock deadline (``timeout_seconds`` for one message's attachments).
  On overrun it kills the worker (SIGKILL), marks the attachment in progress ``timeout`` and the rest
  ``skipped``; the next message gets a fresh worker. A worker that dies inside an attachment (CPU
  limit, allocation failure in native code) marks it ``limit``; a fresh worker carries on with the
  attachments after it while time remains. Workers are also replaced after ``MAX_JOBS_PER_WORKER``
  attachments or any memory error, so one message's leftovers cannot build up.

Why not fork per message: on virtual machines fork+exit of a ~100 MB process costs 10–20 ms, more
than the whole per-message budget; a reused worker costs a pipe round trip.
Nothing is written to disk (pipes only); nothing is executed or rendered (parsers read structure).
The worker exits when the engine process goes away (its request pipe reaches end of file).
Where ``os.fork`` does not exist, jobs run in-process, unbounded (Rempart supports Linux and macOS).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import resource
import select
import signal
import struct
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# handler(header, name, data) -> JSON-able dict; runs inside the worker
Handler = Callable[[dict[str, Any], str, bytes], dict[str, Any]]
MAX_RESULT_BYTES = 8 * 1024 * 1024  # a worker that answers more than this for one message is cut off
MAX_JOBS_PER_WORKER = 500
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_LENGTH = struct.Struct("<Q")


@dataclass(slots=True)
class Outcome:
    status: str = "skipped"  # ok | timeout | limit | error | skipped
    result: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0


# -- worker side -------------------------------------------------------------------------------------


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory_mb: int) -> None:
    current = _address_space_bytes()
    if current:
        soft = current + memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_exact(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _say(fd: int, event: dict[str, Any]) -> None:
    _write_all(fd, json.dumps(event, default=str).encode("utf-8") + b"\n")


def _close_inherited(keep: set[int]) -> None:
    """Close every descriptor inherited from the engine (database connections, listening sockets...)
    except stdio and the two pipes: a worker subverted by a hostile file reaches nothing else."""
    try:
        inherited = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        inherited = list(range(3, 256))
    for fd in inherited:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _serve(read_fd: int, write_fd: int, handler: Handler, memory_mb: int) -> None:
    """The worker's loop; never returns."""
    code = 0
    try:
        _close_inherited({read_fd, write_fd})
        gc.disable()  # a collection would touch (and so copy) every page inherited from the engine
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the engine, which then closes the pipe
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _limit_memory(memory_mb)
        while True:
            header = json.loads(_read_exact(read_fd, _LENGTH.unpack(_read_exact(read_fd, _LENGTH.size))[0]))
            recycle = False
            for index, (name, size) in enumerate(header["files"]):
                data = _read_exact(read_fd, size)
                _limit_cpu(float(header["seconds"]))
                _say(write_fd, {"begin": index})
                try:
                    _say(write_fd, {"done": index, "result": handler(header, name, data)})
                except MemoryError:
                    recycle = True
                    _say(write_fd, {"limit": index, "detail": "memory"})
                except RecursionError:
                    _say(write_fd, {"limit": index, "detail": "recursion"})
                except Exception as err:  # a parser bug on one file must not lose the others
                    _say(write_fd, {"error": index, "detail": f"{type(err).__name__}: {str(err)[:200]}"})
                del data
            _say(write_fd, {"end": True, "recycle": recycle})
            if recycle:
                break
    except EOFError:  # the engine closed the pipe: it is gone or shutting down
        pass
    except BaseException:
        code = 1
    finally:
        os._exit(code)


# -- engine side ---------------------------------------------------------------------------------------


def _stop(owner: int, pid: int, fds: tuple[int, int]) -> None:
    if os.getpid() != owner:  # a forked copy of the engine must not touch its parent's worker
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class _Worker:
    def __init__(self, handler: Handler, memory_mb: int) -> None:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - ends in os._exit, coverage cannot see it
            os.close(to_worker_w)
            os.close(from_worker_r)
            _serve(to_worker_r, from_worker_w, handler, memory_mb)
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.pid = pid
        self.owner = os.getpid()
        self.send_fd = to_worker_w
        self.recv_fd = from_worker_r
        self.jobs = 0
        self.alive = True
        self._finalizer = weakref.finalize(self, _stop, self.owner, pid, (to_worker_w, from_worker_r))

    def stop(self) -> None:
        self.alive = False
        self._finalizer()


class _Exchange:
    """One request to a worker: writes the files while reading its answers, against a deadline."""

    def __init__(self, worker: _Worker, request: bytes, deadline: float) -> None:
        self.worker = worker
        self.pending = memoryview(request)
        self.deadline = deadline
        self.buffer = b""
        self.total = 0
        self.events: list[dict[str, Any]] = []

    def step(self) -> str:
        """'' while running; 'end', 'eof', 'timeout' or 'flood' when finished."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        writers = [self.worker.send_fd] if self.pending else []
        readable, writable, _ = select.select([self.worker.recv_fd], writers, [], left)
        if writable:
            try:
                written = os.write(self.worker.send_fd, self.pending[: 1 << 16])
            except (BrokenPipeError, OSError):
                return "eof"
            self.pending = self.pending[written:]
        if readable:
            chunk = os.read(self.worker.recv_fd, 1 << 16)
            if not chunk:
                return "eof"
            self.total += len(chunk)
            if self.total > MAX_RESULT_BYTES:
                return "flood"
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                with contextlib.suppress(ValueError):
                    event = json.loads(line)
                    if isinstance(event, dict):
                        self.events.append(event)
                        if event.get("end"):
                            return "end"
        return ""


class Sandbox:
    """A reusable bounded worker for one engine (one per process: a forked engine gets its own)."""

    def __init__(self, handler: Handler, memory_mb: int) -> None:
        self.handler = handler
        self.memory_mb = memory_mb
        self._worker: _Worker | None = None

    def _ready_worker(self) -> _Worker:
        worker = self._worker
        if (
            worker is None
            or not worker.alive
            or worker.owner != os.getpid()
            or worker.jobs >= MAX_JOBS_PER_WORKER
        ):
            if worker is not None and worker.owner == os.getpid():
                worker.stop()
            worker = _Worker(self.handler, self.memory_mb)
            self._worker = worker
        return worker

    def close(self) -> None:
        if self._worker is not None and self._worker.owner == os.getpid():
            self._worker.stop()
        self._worker = None

    def run(
        self, header: dict[str, Any], files: Sequence[tuple[str, bytes]], timeout_seconds: float
    ) -> list[Outcome]:
        """Analyse every file within ``timeout_seconds`` in all; one ``Outcome`` per file, in order."""
        outcomes = [Outcome() for _ in files]
        if not files:
            return outcomes
        if not hasattr(os, "fork"):
            return _in_process(self.handler, header, files)
        deadline = time.monotonic() + timeout_seconds
        start = 0
        while start < len(files) and time.monotonic() < deadline:
            start = self._one_request(header, files, start, outcomes, deadline, timeout_seconds)
        for outcome in outcomes:
            if outcome.status == "skipped" and not outcome.detail:
                outcome.detail = "time budget spent on earlier attachments"
        return outcomes

    def _one_request(
        self,
        header: dict[str, Any],
        files: Sequence[tuple[str, bytes]],
        start: int,
        outcomes: list[Outcome],
        deadline: float,
        timeout_seconds: float,
    ) -> int:
        """Send files[start:] to a worker; return where the next request starts (len(files) when done)."""
        worker = self._ready_worker()
        batch = files[start:]
        head = json.dumps({**header, "seconds": timeout_seconds, "files": [(n, len(d)) for n, d in batch]})
        request = b"".join([_LENGTH.pack(len(head.encode())), head.encode(), *(d for _, d in batch)])
        exchange = _Exchange(worker, request, deadline)
        state = ""
        current, started = -1, time.perf_counter()
        seen = 0
        while not state:
            state = exchange.step()
            for event in exchange.events[seen:]:
                now = time.perf_counter()
                if "begin" in event:
                    current, started = start + int(event["begin"]), now
                    continue
                for status in ("done", "limit", "error"):
                    if status in event:
                        index = start + int(event[status])
                        if start <= index < len(files):
                            result = event.get("result")
                            outcomes[index] = Outcome(
                                "ok" if status == "done" else status,
                                result if isinstance(result, dict) else {},
                                str(event.get("detail", "")),
                                now - started,
                            )
                        current = -1
                if event.get("end") and event.get("recycle"):
                    worker.stop()
            seen = len(exchange.events)
        worker.jobs += len(batch)
        if state == "end":
            return len(files)
        worker.stop()  # timeout, flood, or the worker died: never reuse it
        elapsed = time.perf_counter() - started
        if state == "timeout":
            if current >= 0:
                outcomes[current] = Outcome("timeout", {}, f"over {timeout_seconds:g} s", elapsed)
            return len(files)
        if current >= 0:
            detail = "output" if state == "flood" else "worker killed (CPU or memory limit)"
            outcomes[current] = Outcome("limit", {}, detail, elapsed)
            return current + 1
        for index in range(start, len(files)):  # died between files: say so rather than "skipped"
            if outcomes[index].status == "skipped":
                outcomes[index] = Outcome("error", {}, "sandbox worker failed", 0.0)
        return len(files)


def _in_process(
    handler: Handler, header: dict[str, Any], files: Sequence[tuple[str, bytes]]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for name, data in files:
        t0 = time.perf_counter()
        try:
            outcomes.append(Outcome("ok", handler(header, name, data), "", time.perf_counter() - t0))
        except MemoryError:
            outcomes.append(Outcome("limit", {}, "memory", time.perf_counter() - t0))
        except Exception as err:
            detail = f"{type(err).__name__}: {str(err)[:200]}"
            outcomes.append(Outcome("error", {}, detail, time.perf_counter() - t0))
    return outcomes
