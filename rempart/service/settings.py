"""What ``create_app`` needs: the configuration plus where the data lives (from the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rempart.config import Config, load_config
from rempart.store.paths import data_dir, database_url


@dataclass(frozen=True)
class Settings:
    config: Config
    database_url: str
    data_dir: Path
    config_path: str | None = None
    database_schema: str | None = None  # PostgreSQL schema to confine the store to (tests, benchmarks)
    run_migrations: bool = True
    purge_interval_seconds: float = 3600.0  # retention purge period (0 = only at start)

    @classmethod
    def from_env(cls, config_path: str | None = None) -> Settings:
        """``REMPART_CONFIG``/``config_path``, ``REMPART_DATA_DIR`` and ``REMPART_DATABASE_URL``."""
        config = load_config(config_path)
        return cls(
            config=config,
            database_url=database_url(),
            data_dir=data_dir(),
            config_path=config_path or (config.source_path or None),
        )
