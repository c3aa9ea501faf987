"""Concurrent writers (threads and processes) never lose a case or an audit entry."""

from __future__ import annotations

import multiprocessing
import threading

from sqlalchemy import func, select

from rempart.store import Database, StoreOptions, audit, cases
from rempart.store.models import AuditEntry, Case
from tests.store.builders import new_case

THREADS, PER_THREAD = 6, 10
PROCESSES, PER_PROCESS = 3, 10


def _write_many(url: str, worker: int, count: int) -> None:
    db = Database(url)
    opts = StoreOptions(actor=f"w{worker}")
    try:
        for i in range(count):
            n = worker * 1000 + i
            body = f"Rapport {n} : sujet distinct numéro {n * 104729} sans lien." if i % 2 else None
            with db.write() as s:
                if body is None:
                    cases.add_case(s, new_case(n, to=f"u{worker}@corp.fr"), opts)  # same campaign, racing
                else:
                    cases.add_case(s, new_case(n, body=body, hosts=()), opts)
    finally:
        db.dispose()


def _check(db: Database, expected: int) -> None:
    with db.read() as s:
        assert s.execute(select(func.count(Case.id))).scalar_one() == expected
        seqs = list(s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars())
        assert seqs == list(range(1, expected + 1))
        result = audit.verify(s)
        assert result.ok, result.problem


def test_threads_lose_nothing(db: Database, db_url: str) -> None:
    errors: list[BaseException] = []

    def run(w: int) -> None:
        try:
            _write_many(db_url, w, PER_THREAD)
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    _check(db, THREADS * PER_THREAD)


def test_processes_lose_nothing(db: Database, db_url: str) -> None:
    db.dispose()  # children open their own connections; the parent's pool is not shared across fork
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(db_url, w, PER_PROCESS)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    _check(db, PROCESSES * PER_PROCESS)
