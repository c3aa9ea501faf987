"""Assemble and run the gateway's two processes: the SMTP content filter and the report-mailbox poller."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import threading
from pathlib import Path

from rempart.config import Config
from rempart.engine.build import build_engine
from rempart.engine.engine import Engine
from rempart.errors import ConfigError
from rempart.gateway.delivery import SmtpNextHop, parse_hostport
from rempart.gateway.report_loop import ReportLoop
from rempart.gateway.scanning import ScanPool, build_case, gateway_handler
from rempart.gateway.simulation import check_settings
from rempart.gateway.smtp import ContentFilter, spool_path
from rempart.gateway.spool import Spool
from rempart.store.audit import load_signer
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.errors import StoreError
from rempart.store.migrate import upgrade
from rempart.store.paths import data_dir, database_url

log = logging.getLogger("rempart.gateway")
WARM_UP = (b"From: Warm Up <warm@example.org>\r\nTo: you@example.org\r\nSubject: warm up\r\n"
           b"Message-ID: <warm@example.org>\r\n\r\nhello https://example.org/\r\n")


def warm_engine(config: Config) -> Engine:
    """The engine with every lazy structure built, so forked workers start ready."""
    engine = build_engine(config)
    verdict = engine.scan(WARM_UP)
    if config.gateway.quarantine:
        build_case(WARM_UP, verdict, None, source="gateway", quarantine=True)  # imports and MinHash tables
    # The engine's long-lived objects (rules, model, lists) never become garbage: keep the collector
    # from walking them again and again (and from touching pages forked workers share).
    gc.collect()
    gc.freeze()
    return engine


def store_options(config: Config, config_path: str | None) -> StoreOptions:
    key = config.service.audit_signing_key
    signer = None
    if key:
        path = Path(key)
        if not path.is_absolute() and config_path:
            path = Path(config_path).parent / path
        signer = load_signer(path)
    return StoreOptions(actor="gateway", signer=signer, campaign_threshold=config.service.campaign_threshold)


def open_store() -> Database:
    """The configured store, migrated when reachable (a store that is down now is retried later)."""
    db = Database(database_url())
    try:
        upgrade(db)
    except StoreError as err:
        log.warning("store not ready yet (%s); quarantine will retry", err)
    return db


def listen_address(value: str) -> tuple[str, int]:
    try:
        return parse_hostport(value, 10025)
    except ValueError:
        raise ConfigError(f"Address '{value}' is not host:port; write e.g. 127.0.0.1:10025.") from None


def build_filter(config: Config, *, next_hop: str, spool_dir: str = "", with_store: bool = True,
                 config_path: str | None = None) -> ContentFilter:
    try:
        check_settings(config.gateway.simulation)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    hop_host, hop_port = listen_address(next_hop)
    engine = warm_engine(config)
    pool = ScanPool(gateway_handler(engine, config.gateway), workers=config.gateway.scan_workers,
                    timeout=config.gateway.scan_timeout_seconds)
    spool = Spool(spool_path(spool_dir or config.gateway.spool_dir, data_dir()),
                  dedup_window_hours=config.gateway.dedup_window_hours)
    needs_store = with_store and config.gateway.quarantine
    return ContentFilter(
        config,
        spool=spool,
        pool=pool,
        next_hop=SmtpNextHop(hop_host, hop_port),
        db=open_store() if needs_store else None,
        store_options=store_options(config, config_path) if needs_store else None,
    )


async def serve(content_filter: ContentFilter, host: str, port: int) -> None:
    """Run until SIGTERM or SIGINT, then stop accepting and finish what is in hand."""
    await content_filter.start(host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(f"rempart gateway smtp: listening on {host}:{content_filter.port}", flush=True)
    await stop.wait()
    await content_filter.stop()


def run_smtp(config: Config, *, listen: str, next_hop: str, spool_dir: str = "",
             config_path: str | None = None) -> None:
    host, port = listen_address(listen)
    content_filter = build_filter(config, next_hop=next_hop, spool_dir=spool_dir, config_path=config_path)
    asyncio.run(serve(content_filter, host, port))


def build_report_loop(config: Config, *, config_path: str | None = None) -> ReportLoop:
    from rempart.gateway.feedback import SmtpFeedbackSender
    from rempart.gateway.imap import ImapMailbox, read_password

    imap = config.gateway.imap
    if not imap.username:
        raise ConfigError("[gateway.imap] username is empty; set the report mailbox's login.")
    try:
        check_settings(config.gateway.simulation)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    mailbox = ImapMailbox(imap, read_password(imap))
    feedback = config.gateway.feedback
    return ReportLoop(config, warm_engine(config), open_store(), store_options(config, config_path), mailbox,
                      SmtpFeedbackSender(feedback.smtp_host, feedback.smtp_port))


def run_imap(config: Config, *, once: bool = False, config_path: str | None = None) -> None:
    loop = build_report_loop(config, config_path=config_path)
    if once:
        handled = loop.poll_once()
        print(f"rempart gateway imap: {handled} mail(s) handled, {loop.stats.reports_filed} report(s) filed, "
              f"{loop.stats.feedback_sent + loop.stats.followups_sent} feedback e-mail(s) sent", flush=True)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    imap = config.gateway.imap
    print(f"rempart gateway imap: polling {imap.host}:{imap.port} every {imap.poll_seconds:g} s", flush=True)
    loop.run(stop)
