"""Run the heavy per-attachment parsers where a hostile file cannot hang or exhaust the worker.

Why a forked child: the parsers (zlib, oletools, pypdf, zxing-cpp, YARA, pycdlib) are partly native
code fed with attacker-chosen bytes. A Python-level timer cannot interrupt native code, and a
decompression or allocation bomb would take the whole worker down. So, for each message with
attachments, the engine forks **one** child that analyses the attachments in order:

- the child lowers its own limits first: ``RLIMIT_AS`` = its current address space + ``memory_mb``
  (relative, because a forked child already maps everything the parent mapped) and ``RLIMIT_CPU`` =
  the time budget + 1 s; a Python ``MemoryError`` is caught per attachment and reported as a limit;
- it streams one JSON line per event back through a pipe (``begin`` i, then ``done``/``limit``/``error``
  i) — JSON, not pickle, so a child subverted by a hostile file cannot make the parent run code;
- the parent waits with a wall-clock deadline (``timeout_seconds`` for the whole message); on overrun
  it kills the child with SIGKILL and marks the attachment in progress as ``timeout`` and the rest as
  ``skipped``. A child killed by a signal (CPU limit, allocation failure in native code) marks the
  attachment in progress as ``limit`` and a fresh child carries on with the next ones.

Nothing is written to disk: the child reads the attachment bytes it inherited and answers through
the pipe. Nothing is executed or rendered: every parser only reads structure.
Forking costs about a millisecond with copy-on-write memory. Where ``os.fork`` does not exist the
jobs run in-process, unbounded (documented; Rempart's supported platforms are Linux and macOS).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Job = Callable[[], dict[str, Any]]
MAX_RESULT_BYTES = 8 * 1024 * 1024  # a child that talks more than this is cut off
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(slots=True)
class Outcome:
    status: str = "skipped"  # ok | timeout | limit | error | skipped
    result: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _limit_self(memory_mb: int, cpu_seconds: float) -> None:
    current = _address_space_bytes()
    if current:
        soft = current + memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    soft_cpu = int(cpu_seconds) + 1
    if hard_cpu == resource.RLIM_INFINITY or soft_cpu < hard_cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, hard_cpu))


def _write_line(fd: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, default=str).encode("utf-8") + b"\n"
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child(fd: int, jobs: Sequence[Job], start: int, memory_mb: int, cpu_seconds: float) -> None:
    """Never returns: runs jobs[start:], reports each through ``fd``, then ``os._exit``."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _limit_self(memory_mb, cpu_seconds)
        for index in range(start, len(jobs)):
            _write_line(fd, {"begin": index})
            try:
                result = jobs[index]()
                _write_line(fd, {"done": index, "result": result})
            except MemoryError:
                _write_line(fd, {"limit": index, "detail": "memory"})
            except RecursionError:
                _write_line(fd, {"limit": index, "detail": "recursion"})
            except Exception as err:  # a parser bug on one file must not lose the others
                _write_line(fd, {"error": index, "detail": f"{type(err).__name__}: {str(err)[:200]}"})
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _run_in_process(jobs: Sequence[Job]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for job in jobs:
        t0 = time.perf_counter()
        try:
            outcomes.append(Outcome("ok", job(), "", time.perf_counter() - t0))
        except MemoryError:
            outcomes.append(Outcome("limit", {}, "memory", time.perf_counter() - t0))
        except Exception as err:
            outcomes.append(
                Outcome("error", {}, f"{type(err).__name__}: {str(err)[:200]}", time.perf_counter() - t0)
            )
    return outcomes


class _Reader:
    """Parent side of one child: splits the pipe into JSON lines and applies them to ``outcomes``."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        self.outcomes = outcomes
        self.buffer = b""
        self.total = 0
        self.current = -1  # the job the child has begun and not finished
        self.started = 0.0

    def feed(self, chunk: bytes) -> bool:
        """False when the child has said too much (it is then killed)."""
        self.total += len(chunk)
        if self.total > MAX_RESULT_BYTES:
            return False
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.apply(line)
        return True

    def apply(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        now = time.perf_counter()
        if "begin" in event:
            self.current = int(event["begin"])
            self.started = now
            return
        for status in ("done", "limit", "error"):
            if status in event:
                index = int(event[status])
                if 0 <= index < len(self.outcomes):
                    result = event.get("result")
                    self.outcomes[index] = Outcome(
                        "ok" if status == "done" else status,
                        result if isinstance(result, dict) else {},
                        str(event.get("detail", "")),
                        now - self.started,
                    )
                self.current = -1


def run_bounded(jobs: Sequence[Job], timeout_seconds: float, memory_mb: int) -> list[Outcome]:
    """Run every job in a bounded child; one ``Outcome`` per job, in order. Never raises for a job."""
    outcomes = [Outcome() for _ in jobs]
    if not jobs:
        return outcomes
    if not hasattr(os, "fork"):
        return _run_in_process(jobs)
    deadline = time.monotonic() + timeout_seconds
    start = 0
    while start < len(jobs) and time.monotonic() < deadline:
        next_start = _one_child(jobs, start, outcomes, deadline, timeout_seconds, memory_mb)
        if next_start <= start:
            break
        start = next_start
    for outcome in outcomes:
        if outcome.status == "skipped" and not outcome.detail:
            outcome.detail = "time budget spent on earlier attachments"
    return outcomes


def _one_child(
    jobs: Sequence[Job],
    start: int,
    outcomes: list[Outcome],
    deadline: float,
    timeout_seconds: float,
    memory_mb: int,
) -> int:
    """Fork a child for jobs[start:]; return where the next child should start (len(jobs) when done)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child ends in os._exit, coverage cannot see it
        os.close(read_fd)
        _child(write_fd, jobs, start, memory_mb, timeout_seconds)
    os.close(write_fd)
    reader = _Reader(outcomes)
    reader.started = time.perf_counter()
    killed_for = ""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                killed_for = "timeout"
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            if not reader.feed(chunk):
                killed_for = "output"
                break
    finally:
        os.close(read_fd)
        if killed_for:
            _kill(pid)
        _, status = os.waitpid(pid, 0)
    in_progress = reader.current
    if killed_for == "timeout":
        if in_progress >= 0:
            outcomes[in_progress] = Outcome(
                "timeout", {}, f"over {timeout_seconds:g} s", time.perf_counter() - reader.started
            )
        return len(jobs)
    if (
        in_progress >= 0
    ):  # the child died inside a job: CPU or memory limit hit in native code, or output flood
        detail = "output" if killed_for else _death(status)
        outcomes[in_progress] = Outcome("limit", {}, detail, time.perf_counter() - reader.started)
        return in_progress + 1
    finished = [i for i in range(start, len(jobs)) if outcomes[i].status != "skipped"]
    return max(finished) + 1 if finished else len(jobs)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "cpu"
        return f"signal {sig}"
    return f"exit {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else "died"
