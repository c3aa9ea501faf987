"""Scans run off the event loop: in a process pool (default, one worker per core) or in a thread.

The engine is built once, at start, in the service process; pool workers are forked from it right
after, so they share it (copy-on-write) instead of each loading rules, model and lists again.
A worker returns the verdict, the message's campaign signature (MinHash is CPU work too) and, when
the message is to be kept, its content already compressed: the service process — one interpreter,
one lock shared by HTTP, the database writer and everything else — does as little as it can.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from rempart.engine.engine import Engine
from rempart.engine.verdict import Verdict
from rempart.service.intake import case_facts_only
from rempart.store.campaigns import Signature, signature
from rempart.store.cases import PackedContent, pack_content

_ENGINE: Engine | None = None  # set before the pool forks; read by workers


@dataclass(frozen=True)
class ScanOutcome:
    verdict: Verdict
    signature: Signature | None
    content: PackedContent | None = None  # raw and facts compressed, when asked for (a case is kept)


class ScanUnavailable(Exception):
    """The scan pool failed or timed out (the API answers 503)."""


def _domains(verdict: Verdict) -> list[str]:
    return [u.get("domain", "") for u in verdict.facts.get("urls", []) if u.get("domain")]


def scan_with(engine: Engine, raw: bytes, *, keep: bool = False) -> ScanOutcome:
    """Scan ``raw``; with ``keep``, also compress what the store will keep of it."""
    verdict = engine.scan(raw)
    body = str(
        verdict.facts.get("body", {}).get("text") or verdict.facts.get("body", {}).get("html_text") or ""
    )
    sig = signature(body, _domains(verdict))
    content = None
    if keep:
        content = pack_content(raw, dict(verdict.facts), [f.to_dict() for f in verdict.findings])
    # The service process needs the verdict and, for a case, a few facts: not the whole document.
    return ScanOutcome(replace(verdict, facts=case_facts_only(verdict.facts) if keep else {}), sig, content)


def _worker_scan(raw: bytes, keep: bool) -> ScanOutcome:
    assert _ENGINE is not None, "scan worker started without an engine"
    return scan_with(_ENGINE, raw, keep=keep)


def _warm(_index: int) -> int:
    return os.getpid()


# Scanned once before the pool forks: analyzers load their data lazily (lexicons, regex sets, tables
# of several seconds), and what the parent loaded, every worker shares instead of loading it again.
WARM_UP = (
    b"From: Warm Up <warm@example.org>\r\nTo: you@example.org\r\nSubject: warm up / bonjour\r\n"
    b"Message-ID: <warm@example.org>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hello, please review the invoice. Bonjour, merci de valider la facture : https://example.org/a\r\n"
    b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<p>Hello, <a href='https://example.org/a'>the invoice</a>.</p>\r\n--b--\r\n"
)


class Scanner:
    def __init__(self, engine: Engine, workers: int, timeout: float) -> None:
        """``workers``: processes (0 = one per core); -1 scans in a thread of this process."""
        self.engine = engine
        self.timeout = timeout
        self.workers = (os.cpu_count() or 1) if workers == 0 else workers
        self._executor: Executor | None = None
        self._warm = False

    @property
    def ready(self) -> bool:
        return self._executor is not None

    def start(self) -> None:
        global _ENGINE
        _ENGINE = self.engine
        if not self._warm:
            scan_with(self.engine, WARM_UP, keep=True)  # lazy data and imports (datasketch), loaded once
            self._warm = True
        if self.workers < 0:
            self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rempart-scan")
            return
        # Everything built so far (engine, app) lives as long as the process: the collector stops
        # walking it (full collections in the service process get cheap) and forked workers don't
        # copy the pages it would touch.
        gc.collect()
        gc.freeze()
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))
        list(pool.map(_warm, range(self.workers)))  # fork every worker now, before serving
        self._executor = pool

    async def scan(self, raw: bytes, *, keep: bool = False) -> ScanOutcome:
        """The verdict (and signature); ``keep``: the message becomes a case, compress its content too."""
        if self._executor is None:
            raise ScanUnavailable("The scanner is not started.")
        loop = asyncio.get_running_loop()
        fn = _worker_scan if isinstance(self._executor, ProcessPoolExecutor) else self._thread_scan
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._executor, fn, raw, keep), self.timeout)
        except TimeoutError:
            raise ScanUnavailable(f"The scan took longer than {self.timeout:g} s; retry later.") from None
        except BrokenProcessPool:
            self._restart()
            raise ScanUnavailable("A scan worker died; the pool was restarted, retry the request.") from None

    def _thread_scan(self, raw: bytes, keep: bool) -> ScanOutcome:
        return scan_with(self.engine, raw, keep=keep)

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
