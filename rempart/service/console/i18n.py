"""The console's own words, in English and French, from ``data/ui.toml`` (``["key"] en = … fr = …``).

Finding and rule texts come from the engine's catalogue (``rempart.catalogue``); this file holds
only what the console itself says: labels, headings, help, report templates. A missing key shows
the key itself (a test checks that every key used by a template exists in both languages).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("en", "fr")


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@cache
def entries() -> Mapping[str, Mapping[str, str]]:
    text = resources.files("rempart.service.console").joinpath("data/ui.toml").read_text(encoding="utf-8")
    return {key: {lang: str(v) for lang, v in texts.items()} for key, texts in tomllib.loads(text).items()}


def text(lang: str, key: str, **values: Any) -> str:
    entry = entries().get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry.get("en") or key
    if not values:
        return template
    try:
        return template.format_map(_Lenient(values))
    except (ValueError, IndexError, AttributeError):
        return template


def label(lang: str, prefix: str, value: str) -> str:
    """The text for a value of an open vocabulary (lure types, audit actions…), else the value itself."""
    key = prefix + value
    return text(lang, key) if key in entries() else value


def pick_lang(value: str | None, accept_language: str = "") -> str:
    """An explicit choice, else the browser's first language we speak, else English."""
    if value in LANGS:
        return str(value)
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "en"


def when(lang: str, value: datetime | None) -> str:
    """A UTC timestamp the way each language writes it."""
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M") + " UTC"


def day(lang: str, value: str) -> str:
    """``2026-11-30`` → ``30/11`` (fr) or ``11-30`` (en), for chart axes."""
    if len(value) >= 10:
        return f"{value[8:10]}/{value[5:7]}" if lang == "fr" else value[5:10]
    return value


def duration(lang: str, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s < 60:
        return text(lang, "unit.seconds", n=s)
    if s < 3600:
        return text(lang, "unit.minutes", n=s // 60)
    if s < 86400:
        return text(lang, "unit.hours", n=round(s / 3600, 1) if s < 36000 else s // 3600)
    return text(lang, "unit.days", n=s // 86400)


def age(lang: str, value: datetime | None, now: datetime) -> str:
    if value is None:
        return "—"
    return duration(lang, (now - value) / timedelta(seconds=1))


def number(lang: str, value: float, digits: int = 0) -> str:
    formatted = f"{value:,.{digits}f}"
    if lang == "fr":
        formatted = formatted.replace(",", "\u202f").replace(".", ",")
    return formatted
