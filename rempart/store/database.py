"""The database handle: engines, sessions, and the one rule that keeps writers from losing anything.

Writers are serialised. On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` (the file's
write lock is taken at once, other writers wait up to the busy timeout); on PostgreSQL it starts
by locking the ``audit_head`` row (``SELECT … FOR UPDATE``). Every write transaction may then
append to the audit chain without a race, and two transactions never interleave their updates
of the same campaign or case. Scans run outside transactions, so a write holds the lock for
milliseconds.

Inside one process, writers first queue on a plain lock (FIFO-ish, woken at once) before they
touch the database: SQLite's own busy handler polls with sleeps of up to 100 ms, which under
contention turns into a convoy of threads that each wait seconds, and on PostgreSQL every waiter
would hold a pooled connection and an open transaction. The database lock still serialises
writers of different processes (the gateway, the CLI, another service). High-volume writers
batch their work into one transaction per round with ``rempart.store.writer.BatchWriter``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rempart.store import audit
from rempart.store.errors import DatabaseUnavailable

BUSY_TIMEOUT_MS = 30_000
_WRITE = "rempart_write"


def _unavailable(err: DBAPIError, url: str) -> DatabaseUnavailable:
    first = str(err.orig).strip().splitlines()[0] if err.orig is not None else type(err).__name__
    if "locked" in first or "busy" in first:
        return DatabaseUnavailable(
            "The database stayed locked by other writers past the timeout; retry shortly."
        )
    if "no such table" in first or ("does not exist" in first and "relation" in first):
        return DatabaseUnavailable(f"The database at {url} has no Rempart tables; run `rempart db upgrade`.")
    return DatabaseUnavailable(
        f"The database at {url} is unreachable ({first[:160]}); "
        "check that it is running and that REMPART_DATABASE_URL is right."
    )


class Database:
    """One database (SQLite file or PostgreSQL), optionally confined to one PostgreSQL schema."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 10) -> None:
        parsed = make_url(url)
        self.url = url
        self.safe_url = parsed.render_as_string(hide_password=True)
        self.dialect = parsed.get_backend_name()
        self.schema = schema
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url,
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_timeout=60,
            )
            _configure_sqlite(self.engine)
        elif self.dialect == "postgresql":
            # No server-side prepared statements: a plan PostgreSQL caches for a statement (a generic
            # plan, made once for any parameters) can outlive the table sizes it was made for — the
            # campaign lookup went from 1 to 20 ms as a fresh store filled. Planning our statements
            # afresh costs a fraction of a millisecond; it also suits PgBouncer's transaction pooling.
            args: dict[str, Any] = {"connect_timeout": 5, "prepare_threshold": None}
            if schema:
                args["options"] = f"-csearch_path={schema}"
            self.engine = create_engine(
                url,
                connect_args=args,
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_pre_ping=True,
                pool_timeout=60,
            )
        else:
            raise DatabaseUnavailable(
                f"Database URL {self.safe_url} is not supported; use sqlite:/// or postgresql+psycopg://."
            )
        self._write_lock = threading.Lock()  # writers of this process queue here, not in the database
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._writer, expire_on_commit=False)

    @property
    def write_engine(self) -> Engine:
        return self._writer

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A serialised write transaction: committed on success, rolled back on any error."""
        if not self._write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise DatabaseUnavailable(
                "The database stayed locked by other writers past the timeout; retry shortly."
            )
        try:
            with self._write_sessions() as session, session.begin():
                if self.dialect == "postgresql":
                    audit.locked_head(session)  # the writers' lock, and the head the first append uses
                yield session
        except (OperationalError, DBAPIError) as err:
            if isinstance(err, OperationalError) or err.connection_invalidated:
                raise _unavailable(err, self.safe_url) from None
            raise
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._read_sessions() as session, session.begin():
                yield session
        except (OperationalError, DBAPIError) as err:
            if isinstance(err, OperationalError) or err.connection_invalidated:
                raise _unavailable(err, self.safe_url) from None
            raise

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless the database answers."""
        with self.read() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's own handling is wrong for us)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")  # a committed case or audit entry survives a power cut
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")
