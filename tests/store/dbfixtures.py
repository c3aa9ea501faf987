"""Real databases for tests: a SQLite file, and PostgreSQL when REMPART_TEST_DATABASE_URL is set.

Each PostgreSQL test gets a fresh schema (dropped after); its URL carries ``options=-csearch_path=…``
so the CLI and child processes, given only the URL, land in the same schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

PG_ENV = "REMPART_TEST_DATABASE_URL"
PG_SKIP = (
    f"PostgreSQL case skipped: {PG_ENV} is unset (make test sets it when a server answers on 127.0.0.1:5432)"
)
BACKENDS = ["sqlite", "postgresql"]


def database_urls(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'rempart-test.db'}"
        return
    base = os.environ.get(PG_ENV, "")
    if not base:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
