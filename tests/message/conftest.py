from __future__ import annotations

from pathlib import Path

import pytest

from rempart.config import Limits
from rempart.message.model import Message
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).resolve().parent.parent / "messages" / "parsing"


@pytest.fixture
def parsed() -> object:
    def load(name: str, limits: Limits | None = None) -> Message:
        return parse_message((MESSAGES / name).read_bytes(), limits or Limits())

    return load
