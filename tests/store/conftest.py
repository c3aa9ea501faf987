from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rempart.store import Database, upgrade
from tests.store.dbfixtures import BACKENDS, database_urls


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_urls(request.param, tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database)
    yield database
    database.dispose()
