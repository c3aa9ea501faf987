"""Run a ``Job`` over many messages: in this process, on a local process pool, or on an existing Dask
distributed cluster (``--scheduler tcp://HOST:8786``).

Messages travel in batches (``BATCH`` messages of raw bytes) and at most ``WINDOW`` batches per
worker are in flight, so memory stays bounded whatever the archive's size; results come back in
input order. On Dask the job itself (config + rule texts) is scattered to every worker once.

Workers must have the same ``rempart`` version installed (``pip install rempart`` in the workers'
environment); they need no config file and no rule directory: both travel with the job.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from rempart.hunt.jobs import Job, run_batch
from rempart.message.sources import Source

BATCH = 32
WINDOW = 4  # batches in flight per worker

_POOL_JOB: dict[str, Job] = {}


def _init_pool(job: Job) -> None:
    _POOL_JOB["job"] = job


def _pool_batch(items: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    return run_batch(_POOL_JOB["job"], items)


def _batches(sources: Iterable[Source], size: int) -> Iterator[list[Source]]:
    batch: list[Source] = []
    for src in sources:
        batch.append(src)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Row = tuple[Source, dict[str, Any]]


def _rows(batch: list[Source], results: list[dict[str, Any]]) -> Iterator[Row]:
    """Pair each source with its result; unreadable sources get an error row of their own."""
    it = iter(results)
    for src in batch:
        yield (src, {"label": src.label, "error": src.error}) if src.error is not None else (src, next(it))


def _ordered(batches: Iterator[list[Source]], submit: Callable[[list[tuple[str, bytes]]], Any],
             result: Callable[[Any], list[dict[str, Any]]], window: int) -> Iterator[Row]:
    """Submit batches with at most ``window`` in flight; yield (source, row) in input order."""
    pending: deque[tuple[list[Source], Any]] = deque()

    def drain_one() -> Iterator[Row]:
        batch, handle = pending.popleft()
        yield from _rows(batch, result(handle))

    for batch in batches:
        readable = [(s.label, s.raw) for s in batch if s.error is None]
        pending.append((batch, submit(readable) if readable else None))
        while len(pending) >= window:
            yield from drain_one()
    while pending:
        yield from drain_one()


def run_local(job: Job, sources: Iterable[Source], workers: int = 1,
              batch: int = BATCH) -> Iterator[Row]:
    if workers <= 1:
        for chunk in _batches(sources, batch):
            readable = [(s.label, s.raw) for s in chunk if s.error is None]
            yield from _rows(chunk, run_batch(job, readable) if readable else [])
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_pool,
                             initargs=(job,)) as pool:

        def submit(items: list[tuple[str, bytes]]) -> Future[list[dict[str, Any]]]:
            return pool.submit(_pool_batch, items)

        def result(handle: Future[list[dict[str, Any]]] | None) -> list[dict[str, Any]]:
            return [] if handle is None else handle.result()

        yield from _ordered(_batches(sources, batch), submit, result, WINDOW * workers)


def run_dask(job: Job, sources: Iterable[Source], scheduler: str,
             batch: int = BATCH) -> Iterator[Row]:
    """The same job on the Dask cluster whose scheduler listens at ``scheduler`` (tcp://host:8786)."""
    from distributed import Client  # imported here: the local paths never pay for it

    with Client(scheduler, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        job_future = client.scatter(job, broadcast=True)

        def submit(items: list[tuple[str, bytes]]) -> Any:
            return client.submit(run_batch, job_future, items, pure=False)

        def result(handle: Any) -> list[dict[str, Any]]:
            if handle is None:
                return []
            rows: list[dict[str, Any]] = handle.result()
            handle.release()
            return rows

        yield from _ordered(_batches(sources, batch), submit, result, WINDOW * workers)


def run_job(job: Job, sources: Iterable[Source], *, workers: int = 1, scheduler: str | None = None,
            batch: int = BATCH) -> Iterator[Row]:
    if scheduler:
        return run_dask(job, sources, scheduler, batch)
    return run_local(job, sources, workers, batch)
