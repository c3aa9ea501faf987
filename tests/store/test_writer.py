"""Group commit: jobs from many threads share transactions, lose nothing, and fail alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rempart.store import Database, DatabaseUnavailable, StoreOptions, audit, cases
from rempart.store.models import AuditEntry, Case
from rempart.store.writer import BatchWriter
from tests.store.builders import new_case

OPTS = StoreOptions(actor="test")


def _add(n: int, body: str | None = None) -> Callable[[Session], int]:
    kept = new_case(n, body=body or f"Sujet distinct {n} numéro {n * 7919} sans rapport.", hosts=())

    def job(session: Session) -> int:
        case_id: int = cases.add_case(session, kept, OPTS).id
        return case_id

    return job


def test_jobs_from_many_threads_are_committed_in_shared_rounds(db: Database) -> None:
    writer = BatchWriter(db, max_batch=16)
    ids: list[int] = []
    lock = threading.Lock()

    def client(worker: int) -> None:
        for i in range(8):
            case_id = writer.run(_add(worker * 100 + i))
            with db.read() as s:  # committed before run() returned
                assert s.get(Case, case_id) is not None
            with lock:
                ids.append(case_id)

    threads = [threading.Thread(target=client, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.stop()
    assert len(set(ids)) == 64
    assert writer.jobs == 64 and writer.rounds < 64  # some rounds carried several jobs
    with db.read() as s:
        assert s.execute(select(func.count(Case.id))).scalar_one() == 64
        assert list(s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars()) == list(range(1, 65))
        assert audit.verify(s).ok


def test_a_failing_job_fails_alone(db: Database) -> None:
    writer = BatchWriter(db)
    release = threading.Event()

    def slow(session: Session) -> int:  # holds the first round so the next three share one
        release.wait(10)
        return cases.add_case(session, new_case(1, hosts=()), OPTS).id

    def bad(session: Session) -> int:
        cases.add_case(session, new_case(2, hosts=()), OPTS)
        raise ValueError("this job is wrong")

    first = writer.submit(slow)
    good_a = writer.submit(_add(3))
    broken = writer.submit(bad)
    good_b = writer.submit(_add(4))
    release.set()
    assert first.result(10) and good_a.result(10) and good_b.result(10)
    with pytest.raises(ValueError, match="this job is wrong"):
        broken.result(10)
    writer.stop()
    with db.read() as s:
        subjects = set(s.execute(select(Case.subject)).scalars())
        assert subjects == {"Mailbox 1", "Mailbox 3", "Mailbox 4"}  # nothing of the bad job
        assert audit.verify(s).ok and audit.verify(s).entries == 3


def test_awaited_from_the_event_loop(db: Database) -> None:
    writer = BatchWriter(db)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(writer.run_async(_add(n)) for n in range(10))))

    ids = asyncio.run(main())
    writer.stop()
    assert len(set(ids)) == 10


def test_database_down_fails_every_job() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/rempart")
    writer = BatchWriter(db)
    futures = [writer.submit(_add(n)) for n in range(3)]
    for f in futures:
        with pytest.raises(DatabaseUnavailable):
            f.result(30)
    writer.stop()
    db.dispose()
