"""Scan many messages with a local process pool, one engine per worker, results in input order.

Workers receive raw bytes and return plain dicts, so nothing unpicklable crosses processes. With
``jobs == 1`` everything runs in this process (no pool start-up cost, easy to profile).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from rempart.engine.build import build_engine_from_path
from rempart.engine.engine import Engine
from rempart.message.sources import Source

_WORKER: dict[str, Any] = {}


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


def _init_worker(config_path: str | None) -> None:
    _WORKER["engine"] = build_engine_from_path(config_path)


def _worker_scan(item: tuple[str, bytes, str]) -> ScanResult:
    label, raw, lang = item
    return _scan_one(_WORKER["engine"], label, raw, lang)


def scan_sources(
    sources: Iterable[Source], *, config_path: str | None, lang: str = "en", jobs: int = 1,
    engine: Engine | None = None,
) -> Iterator[ScanResult]:
    """Scan every source; unreadable sources come back as errors, in order, never dropped."""
    if jobs <= 1:
        local = engine or build_engine_from_path(config_path)
        for src in sources:
            if src.error is not None:
                yield ScanResult(src.label, None, src.error, 0.0)
            else:
                yield _scan_one(local, src.label, src.raw, lang)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(config_path,)) as pool:
        pending: list[Source] = []

        def flush() -> Iterator[ScanResult]:
            readable = [(s.label, s.raw, lang) for s in pending if s.error is None]
            results = iter(pool.map(_worker_scan, readable, chunksize=16))
            for s in pending:
                yield ScanResult(s.label, None, s.error, 0.0) if s.error is not None else next(results)
            pending.clear()

        for src in sources:
            pending.append(src)
            if len(pending) >= 512:  # bounded memory: never hold a whole archive in flight
                yield from flush()
        yield from flush()
