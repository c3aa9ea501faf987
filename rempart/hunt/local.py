"""Scan many messages with a local process pool, results in input order, nothing dropped.

The engine is built once, in this process, before any worker starts: a bad rule or model fails the
start with its own clear error, and forked workers inherit the ready engine (no per-worker load).
Workers receive raw bytes and return plain dicts, so nothing unpicklable crosses processes. With
``jobs == 1`` everything runs in this process (no pool start-up cost, easy to profile).

A worker that dies (killed, out of memory) breaks the pool: its batch is then scanned again one message
at a time, so the message that kills a worker is reported as an error and the others get their verdicts
— nothing is silently lost.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from rempart.engine.build import build_engine_from_path, keep_for_process
from rempart.engine.engine import Engine
from rempart.message.sources import Source

_WORKER: dict[str, Any] = {}
BATCH = 512  # messages in flight at once: bounded memory, never a whole archive


@dataclass(frozen=True, slots=True)
class ScanResult:
    label: str
    result: dict[str, Any] | None  # verdict as a dict (see Verdict.to_dict), None on error
    error: str | None
    elapsed_ms: float


def _scan_one(engine: Engine, label: str, raw: bytes, lang: str) -> ScanResult:
    t0 = time.perf_counter()
    verdict = engine.scan(raw)
    return ScanResult(label, verdict.to_dict(lang, engine.catalogue), None, (time.perf_counter() - t0) * 1000)


def _worker_scan(item: tuple[str, bytes, str]) -> ScanResult:
    label, raw, lang = item
    return _scan_one(_WORKER["engine"], label, raw, lang)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))


def _isolate(items: list[tuple[str, bytes, str]]) -> list[ScanResult]:
    """After a worker died: scan the batch one message at a time, so only the message that kills a
    worker is reported as an error and every other one still gets its verdict."""
    results: list[ScanResult] = []
    pool = _new_pool(1)
    try:
        for item in items:
            try:
                results.append(pool.submit(_worker_scan, item).result())
            except BrokenProcessPool:
                results.append(ScanResult(item[0], None, "the scan worker died on this message", 0.0))
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _new_pool(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _scan_batch(batch: list[Source], lang: str, jobs: int) -> list[ScanResult]:
    readable = [(s.label, s.raw, lang) for s in batch if s.error is None]
    pool = _new_pool(jobs)
    try:
        results = list(pool.map(_worker_scan, readable, chunksize=8))
    except BrokenProcessPool:
        results = _isolate(readable)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    it = iter(results)
    return [ScanResult(s.label, None, s.error, 0.0) if s.error is not None else next(it) for s in batch]


def scan_sources(
    sources: Iterable[Source], *, config_path: str | None, lang: str = "en", jobs: int = 1,
    engine: Engine | None = None, long_lived: bool = False,
) -> Iterator[ScanResult]:
    """Scan every source; unreadable sources come back as errors, in order, never dropped.

    ``long_lived``: this process scans with this one engine until it exits (``rempart scan``); the engine is
    then kept out of the garbage collector's reach (``keep_for_process``)."""
    local = engine or build_engine_from_path(config_path)
    if long_lived:
        keep_for_process()
    if jobs <= 1:
        for src in sources:
            if src.error is not None:
                yield ScanResult(src.label, None, src.error, 0.0)
            else:
                yield _scan_one(local, src.label, src.raw, lang)
        return
    _WORKER["engine"] = local  # inherited by the forked workers
    pending: list[Source] = []
    for src in sources:
        pending.append(src)
        if len(pending) >= BATCH:
            yield from _scan_batch(pending, lang, jobs)
            pending = []
    if pending:
        yield from _scan_batch(pending, lang, jobs)
