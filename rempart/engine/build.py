"""Build a ready engine from a config: the one place that decides which rules and model are loaded."""

from __future__ import annotations

from rempart.config import Config, load_config
from rempart.engine.engine import Engine


def build_engine(config: Config | None = None) -> Engine:
    return Engine(config or Config())


def build_engine_from_path(path: str | None) -> Engine:
    return build_engine(load_config(path))
