"""Group commit: many small write jobs, one transaction (and one fsync) per round.

A service that stores every scanned message would otherwise pay, per message, one trip through
the writers' lock and one durable commit (an fsync with SQLite ``synchronous=FULL``, a WAL flush
on PostgreSQL). ``BatchWriter`` runs write jobs — functions of a ``Session`` — in one thread:
it takes every job waiting (up to ``max_batch``), runs them one after the other inside a single
``Database.write()`` transaction, commits once, and only then resolves each job's future. So:

- a caller hears back only after its job is committed (durable): an accepted case is never lost;
- jobs run in submission order under the writers' lock, so the audit chain stays one chain and
  campaign assignment sees every earlier case of the round (its rows are flushed, not committed);
- no waiting for a round to fill: while one round commits, the next one gathers;
- one bad job does not sink its round: when a job raises, the round is rolled back and each of
  its jobs is run again in a transaction of its own, so only the bad one fails. A database that
  is unreachable or locked fails the whole round with ``DatabaseUnavailable`` (nothing of it was
  committed; the callers answer 503).

Jobs must return plain values (ids), not ORM objects, and must be safe to run again (they are,
when the round they were in is rolled back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from rempart.store.database import Database
from rempart.store.errors import DatabaseUnavailable

log = logging.getLogger("rempart.store.writer")
T = TypeVar("T")
Job = Callable[[Session], Any]


@dataclass(frozen=True, slots=True)
class _Pending:
    job: Job
    future: Future[Any]


class BatchWriter:
    """One writer thread committing queued jobs in rounds of up to ``max_batch``."""

    def __init__(self, db: Database, *, max_batch: int = 64, name: str = "rempart-writer") -> None:
        self.db = db
        self.max_batch = max(1, max_batch)
        self.name = name
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.rounds = 0  # transactions committed or attempted
        self.jobs = 0  # jobs run
        self.busy_seconds = 0.0  # time spent in rounds (busy_seconds / elapsed time = how loaded it is)

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the jobs already queued, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Queue ``job``; the future resolves once its transaction is committed."""
        if self._thread is None:
            self.start()
        future: Future[T] = Future()
        self._queue.put(_Pending(job, future))
        return future

    def run(self, job: Callable[[Session], T]) -> T:
        """Run ``job`` in the next round and wait for its commit (from any thread but the writer's)."""
        return self.submit(job).result()

    async def run_async(self, job: Callable[[Session], T]) -> T:
        """The same, awaited on the event loop (no thread is held while the round commits)."""
        return await asyncio.wrap_future(self.submit(job))

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            live = [p for p in batch if p.future.set_running_or_notify_cancel()]
            if live:
                started = time.perf_counter()
                self._round(live)
                self.busy_seconds += time.perf_counter() - started

    def _round(self, batch: list[_Pending]) -> None:
        self.rounds += 1
        self.jobs += len(batch)
        results: list[Any] = []
        try:
            with self.db.write() as session:
                for pending in batch:
                    results.append(pending.job(session))
        except DatabaseUnavailable as err:  # unreachable or locked: nothing of the round was committed
            for pending in batch:
                pending.future.set_exception(err)
            return
        except BaseException as err:  # a job failed: the round was rolled back; run each job alone
            if len(batch) == 1:
                batch[0].future.set_exception(err)
                return
            log.debug("a write round of %d jobs failed (%s); running them one by one", len(batch), err)
            for pending in batch:
                self._round([pending])
            return
        for pending, result in zip(batch, results, strict=True):
            with contextlib.suppress(Exception):  # a future cancelled meanwhile is not our concern
                pending.future.set_result(result)
