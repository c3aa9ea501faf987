"""Build a ready engine from a config: the one place that decides which rules and model are loaded."""

from __future__ import annotations

from rempart.config import Config, load_config
from rempart.engine.engine import Engine
from rempart.rules.ruleset import RuleSet


def build_engine(config: Config | None = None, *, rules: RuleSet | None = None) -> Engine:
    """An engine with the shipped rule pack and the config's ``[rules]`` extra directories and
    overrides (a rule that fails to load fails the start, naming its file and line), or with
    ``rules`` when the caller already has them (a hunt with one rule, a Dask worker)."""
    config = config or Config()
    return Engine(config, rules=rules if rules is not None else RuleSet.from_config(config.rules))


def build_engine_from_path(path: str | None) -> Engine:
    return build_engine(load_config(path))
