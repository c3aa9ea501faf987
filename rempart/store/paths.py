"""Where the store lives: ``REMPART_DATA_DIR`` and ``REMPART_DATABASE_URL``, with embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "REMPART_DATA_DIR"
DATABASE_URL_ENV = "REMPART_DATABASE_URL"
SQLITE_FILE = "rempart.db"


def data_dir() -> Path:
    """The data directory: ``$REMPART_DATA_DIR``, else the platform's user data dir (created if missing)."""
    chosen = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("rempart", appauthor=False)
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``$REMPART_DATABASE_URL``, else a SQLite file inside the data directory."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{data_dir() / SQLITE_FILE}"
