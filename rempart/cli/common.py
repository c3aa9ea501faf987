"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from rempart.config import load_config

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c",
                 help="Organisation profile and settings (rempart.toml); default $REMPART_CONFIG."),
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of explanations: en or fr.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0 = one per core).")]

stderr = Console(stderr=True)


def wide_console() -> Console:
    """stdout console; when piped (no terminal to measure) use a readable width instead of 80."""
    import sys

    return Console(width=None if sys.stdout.isatty() else 150)


def resolve_jobs(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def check_config(path: str | None) -> str | None:
    """Fail fast (ConfigError) before any work starts; return the path workers should load."""
    chosen = path or os.environ.get("REMPART_CONFIG") or None
    load_config(chosen)
    return chosen


def check_lang(lang: str) -> str:
    if lang not in ("en", "fr"):
        raise typer.BadParameter("--lang must be 'en' or 'fr'.")
    return lang
