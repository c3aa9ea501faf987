"""What the scan workers compute: bounded work on hostile bodies, and the case document round trip."""

from __future__ import annotations

import time

import pytest

from rempart.analyzers.base import Envelope
from rempart.engine.engine import Engine
from rempart.gateway.scanning import ScanPool, build_case, campaign_signature, case_document, case_from_document
from tests.gateway.conftest import message


def test_long_tokens_do_not_make_the_campaign_signature_quadratic(engine: Engine) -> None:
    token = b"QUJD" * 40_000  # 160 KB without a space or an @, like an inline base64 blob
    raw = (b"From: a@example.org\r\nSubject: blob\r\nContent-Type: text/plain\r\n\r\n"
           b"Bonjour, voici le document.\r\n" + token + b"\r\nCordialement\r\n")
    verdict = engine.scan(raw)
    started = time.process_time()
    sig = campaign_signature(verdict)
    assert time.process_time() - started < 1.0
    assert sig is not None


def test_case_document_round_trip(engine: Engine) -> None:
    raw = message("credential-phish-fr.eml")
    envelope = Envelope("no-reply@m365-securite.pages.dev", ("claire.martin@cabinet-example.fr",), "203.0.113.45")
    new = build_case(raw, engine.scan(raw, envelope), envelope, source="gateway", quarantine=True)
    back = case_from_document(raw, case_document(new))
    assert back == new


def _echo(request: bytes) -> bytes:
    return request[::-1]  # as large as the request: answers past the pipe's buffer too


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_pool_round_trips_large_requests_on_either_event_loop(loop_kind: str) -> None:
    """uvloop's add_reader leaves the pipe non-blocking; large requests and answers must still go through."""
    import asyncio

    from rempart.gateway.run import event_loop_factory

    factory = None
    if loop_kind == "uvloop":
        factory = event_loop_factory()
        if factory is None:
            pytest.skip("uvloop not installed")
    pool = ScanPool(_echo, workers=1, timeout=20, warm_up=b"warm")

    async def go() -> list[bytes]:
        pool.start()
        try:
            return [await pool.run(bytes([i]) * size) for i, size in enumerate([10, 300_000, 200_000, 70_000])]
        finally:
            pool.stop()

    with asyncio.Runner(loop_factory=factory) as runner:
        answers = runner.run(go())
    assert [len(a) for a in answers] == [10, 300_000, 200_000, 70_000]
    assert pool.restarts == 0
