"""Shipped data: lists, tables and lexicons the analyzers read."""

from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources


@cache
def load_data_list(name: str) -> frozenset[str]:
    """A shipped list ``rempart/data/<name>.txt``: one lower-case entry per line, ``#`` comments."""
    text = importlib_resources.files("rempart.data").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    entries = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(e for e in entries if e)
