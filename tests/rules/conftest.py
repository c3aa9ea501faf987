"""Shared helpers for the rule tests: the shipped pack, its test profile, tiny messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.config import Config, load_config
from rempart.rules.loader import shipped_pack_dir

PACK = shipped_pack_dir()
PROFILE = PACK / "tests" / "rempart.toml"


@pytest.fixture(scope="session")
def pack_config() -> Config:
    return load_config(PROFILE)


def message(frm: str, subject: str, body: str, *, dmarc: str = "pass", extra: str = "") -> bytes:
    domain = frm.rsplit("@", 1)[1].rstrip(">")
    return (
        f"Authentication-Results: mx.exemple-industrie.fr; spf={dmarc} smtp.mailfrom={domain}; "
        f"dkim={dmarc} header.d={domain}; dmarc={dmarc} header.from={domain}\r\n"
        f"From: {frm}\r\nTo: nicolas.blanc@exemple-industrie.fr\r\nSubject: {subject}\r\n"
        f"Date: Tue, 14 Oct 2025 09:12:00 +0200\r\nMessage-ID: <t1@{domain}>\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
    ).encode()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
