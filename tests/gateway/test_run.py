"""Assembling the filter process: its event loop and its logging."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from rempart.gateway.run import event_loop_factory, quiet_protocol_log


@pytest.fixture
def log_levels() -> Iterator[None]:
    root, protocol = logging.getLogger(), logging.getLogger("mail.log")
    saved = root.level, protocol.level
    yield
    root.setLevel(saved[0])
    protocol.setLevel(saved[1])


@pytest.mark.usefixtures("log_levels")
def test_smtp_protocol_log_only_at_debug() -> None:
    logging.getLogger("mail.log").setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.INFO)
    quiet_protocol_log()
    assert not logging.getLogger("mail.log").isEnabledFor(logging.INFO)
    assert logging.getLogger("mail.log").isEnabledFor(logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.DEBUG)
    quiet_protocol_log()
    assert logging.getLogger("mail.log").isEnabledFor(logging.DEBUG)


def test_event_loop_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_EVENT_LOOP", "asyncio")
    assert event_loop_factory() is None
    monkeypatch.delenv("REMPART_EVENT_LOOP")
    factory = event_loop_factory()
    if factory is None:
        pytest.skip("uvloop not installed")
    loop = factory()
    try:
        assert isinstance(loop, asyncio.AbstractEventLoop) and type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
