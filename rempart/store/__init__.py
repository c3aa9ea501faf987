"""The store: cases, campaigns, reports, API tokens and the audit chain, in SQLite or PostgreSQL.

Public surface (a test pins it)::

    Database(url, schema=None)          engines and serialised write transactions
    open_database(url=None)             the configured database, migrated to head
    upgrade(db)                         run the shipped Alembic migrations
    database_url(), data_dir()          REMPART_DATABASE_URL / REMPART_DATA_DIR with their defaults
    NewCase, StoreOptions, CaseFilter   inputs of rempart.store.cases
    StoreError ─┬─ DatabaseUnavailable
                ├─ NotFound
                └─ InvalidState

Modules hold the operations: ``cases``, ``campaigns``, ``tokens``, ``audit``, ``stats``, ``labels``,
``retention``, ``gdpr``, ``lure``.
"""

from __future__ import annotations

from rempart.store.cases import CaseFilter, NewCase, StoreOptions
from rempart.store.database import Database
from rempart.store.errors import DatabaseUnavailable, InvalidState, NotFound, StoreError
from rempart.store.migrate import upgrade
from rempart.store.paths import data_dir, database_url


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """The database at ``url`` (default: ``database_url()``), brought to the current schema."""
    db = Database(url or database_url())
    if migrate:
        upgrade(db)
    return db


__all__ = [
    "CaseFilter",
    "Database",
    "DatabaseUnavailable",
    "InvalidState",
    "NewCase",
    "NotFound",
    "StoreError",
    "StoreOptions",
    "data_dir",
    "database_url",
    "open_database",
    "upgrade",
]
