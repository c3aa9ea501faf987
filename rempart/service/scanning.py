"""Scans run off the event loop: in a process pool (default, one worker per core) or in a thread.

The engine is built once, at start, in the service process; pool workers are forked from it right
after, so they share it (copy-on-write) instead of each loading rules, model and lists again.
A worker returns the verdict and the message's campaign signature (MinHash is CPU work too).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from rempart.engine.engine import Engine
from rempart.engine.verdict import Verdict
from rempart.store.campaigns import Signature, signature

_ENGINE: Engine | None = None  # set before the pool forks; read by workers


@dataclass(frozen=True)
class ScanOutcome:
    verdict: Verdict
    signature: Signature | None


class ScanUnavailable(Exception):
    """The scan pool failed or timed out (the API answers 503)."""


def _domains(verdict: Verdict) -> list[str]:
    return [u.get("domain", "") for u in verdict.facts.get("urls", []) if u.get("domain")]


def scan_with(engine: Engine, raw: bytes) -> ScanOutcome:
    verdict = engine.scan(raw)
    body = str(
        verdict.facts.get("body", {}).get("text") or verdict.facts.get("body", {}).get("html_text") or ""
    )
    return ScanOutcome(verdict, signature(body, _domains(verdict)))


def _worker_scan(raw: bytes) -> ScanOutcome:
    assert _ENGINE is not None, "scan worker started without an engine"
    return scan_with(_ENGINE, raw)


def _warm(_index: int) -> int:
    signature("warm up", [])  # import datasketch once per worker
    return os.getpid()


class Scanner:
    def __init__(self, engine: Engine, workers: int, timeout: float) -> None:
        """``workers``: processes (0 = one per core); -1 scans in a thread of this process."""
        self.engine = engine
        self.timeout = timeout
        self.workers = (os.cpu_count() or 1) if workers == 0 else workers
        self._executor: Executor | None = None

    @property
    def ready(self) -> bool:
        return self._executor is not None

    def start(self) -> None:
        global _ENGINE
        _ENGINE = self.engine
        signature("warm up", [])
        if self.workers < 0:
            self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rempart-scan")
            return
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))
        list(pool.map(_warm, range(self.workers)))  # fork every worker now, before serving
        self._executor = pool

    async def scan(self, raw: bytes) -> ScanOutcome:
        if self._executor is None:
            raise ScanUnavailable("The scanner is not started.")
        loop = asyncio.get_running_loop()
        fn = _worker_scan if isinstance(self._executor, ProcessPoolExecutor) else self._thread_scan
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._executor, fn, raw), self.timeout)
        except TimeoutError:
            raise ScanUnavailable(f"The scan took longer than {self.timeout:g} s; retry later.") from None
        except BrokenProcessPool:
            self._restart()
            raise ScanUnavailable("A scan worker died; the pool was restarted, retry the request.") from None

    def _thread_scan(self, raw: bytes) -> ScanOutcome:
        return scan_with(self.engine, raw)

    def _restart(self) -> None:
        old = self._executor
        self._executor = None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)
        self.start()

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
