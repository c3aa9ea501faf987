"""Fixtures: one warm engine for the module's tests, a real receiving SMTP server, an in-process filter."""

from __future__ import annotations

import asyncio
import smtplib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rempart.config import Config, config_from_mapping
from rempart.engine.engine import Engine
from rempart.gateway.delivery import SmtpNextHop
from rempart.gateway.run import warm_engine
from rempart.gateway.scanning import ScanPool, gateway_handler
from rempart.gateway.smtp import ContentFilter
from rempart.gateway.spool import Spool
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from tests.gateway.servers import Sink

MESSAGES = Path(__file__).resolve().parents[1] / "messages" / "gateway"
BASE = {
    "org": {"name": "Cabinet Exemple", "domains": ["cabinet-example.fr"]},
    "auth": {"trusted_authserv_ids": ["mx.cabinet-example.fr"]},
    "engine": {"suspicious_threshold": 0.3, "malicious_threshold": 0.95},
    "model": {"enabled": False},  # levels from analyzers and rules only: the tests pin the gateway, not the model
}


def message(name: str) -> bytes:
    return (MESSAGES / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def make_config(gateway: dict[str, Any] | None = None, **top: Any) -> Config:
    """The test organisation; quarantine is off unless asked for (it needs a store)."""
    return config_from_mapping({**BASE, **top, "gateway": {"quarantine": False, **(gateway or {})}})


@pytest.fixture(scope="session")
def engine() -> Engine:
    return warm_engine(make_config({"quarantine": True}))


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink()
    server.start()
    yield server
    server.stop()


class RunningFilter:
    """A ContentFilter on its own event loop thread, listening on a free loopback port."""

    def __init__(self, config: Config, engine: Engine, spool: Path, next_hop: int,
                 db: Database | None = None) -> None:
        pool = ScanPool(gateway_handler(engine, config.gateway), workers=config.gateway.scan_workers,
                        timeout=config.gateway.scan_timeout_seconds)
        self.filter = ContentFilter(config, spool=Spool(spool), pool=pool,
                                    next_hop=SmtpNextHop("127.0.0.1", next_hop, timeout=10), db=db,
                                    store_options=StoreOptions(actor="gateway"))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> RunningFilter:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.filter.start("127.0.0.1", 0), self.loop).result(60)
        self.port = self.filter.port
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.filter.stop(), self.loop).result(60)
        asyncio.run_coroutine_threadsafe(_cancel_sessions(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def send(self, raw: bytes, mail_from: str = "sender@example.org",
             rcpt_to: tuple[str, ...] = ("claire.martin@cabinet-example.fr",),
             xforward: str = "") -> tuple[int, bytes]:
        """One real SMTP transaction; the reply to the end of DATA."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as client:
            client.ehlo("postfix.test")
            if xforward:
                code, reply = client.docmd("XFORWARD", xforward)
                assert code == 250, reply
            client.mail(mail_from, ["BODY=8BITMIME"])
            for rcpt in rcpt_to:
                client.rcpt(rcpt)
            return client.data(raw)


async def _cancel_sessions() -> None:
    """SMTP sessions a test left open end with the loop, not after it."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    from rempart.store import open_database

    db = open_database(f"sqlite:///{tmp_path / 'store.db'}")
    yield db
    db.dispose()
