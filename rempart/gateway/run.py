"""Assemble and run the gateway's two processes: the SMTP content filter and the report-mailbox poller."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from rempart.analyzers.base import Envelope as ScanEnvelope
from rempart.config import Config
from rempart.engine.build import build_engine
from rempart.engine.engine import Engine
from rempart.errors import ConfigError
from rempart.gateway.delivery import SmtpNextHop, parse_hostport
from rempart.gateway.report_loop import ReportLoop
from rempart.gateway.scanning import ScanPool, build_case, encode_request, gateway_handler
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
# Each scan worker's own warm-up: text and HTML parts, a link and an attachment (which starts the worker's
# attachment sandbox), so the first real message does not pay for them.
WORKER_WARM_UP = (
    b"From: Warm Up <warm@example.org>\r\nTo: you@example.org\r\nSubject: warm up\r\n"
    b"Message-ID: <warm-worker@example.org>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="w1"\r\n\r\n'
    b'--w1\r\nContent-Type: multipart/alternative; boundary="w2"\r\n\r\n'
    b"--w2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, le compte rendu est joint. https://example.org/cr\r\n"
    b"--w2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b'<html><body><p>Bonjour, <a href="https://example.org/cr">le compte rendu</a>.</p></body></html>\r\n--w2--\r\n'
    b'--w1\r\nContent-Type: text/plain; name="notes.txt"\r\nContent-Disposition: attachment; filename="notes.txt"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nTm90ZXMgZGUgcsOpdW5pb24uCg==\r\n--w1--\r\n")


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
                    timeout=config.gateway.scan_timeout_seconds,
                    warm_up=encode_request(WORKER_WARM_UP, ScanEnvelope("warm@example.org", ("you@example.org",))))
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


def quiet_protocol_log() -> None:
    """aiosmtpd logs every command line of every session at ``info`` (addresses included): at the
    filter's default level that is a log line per SMTP command and a good share of its CPU. Its
    protocol log shows only at ``debug``; its warnings and errors always do."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("mail.log").setLevel(logging.WARNING)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop (the event loop in C on libuv) where it is installed, unless ``REMPART_EVENT_LOOP=asyncio``.

    The filter's own CPU per message is mostly event-loop machinery (callbacks, futures, transports for
    ~20 socket events per message); uvloop does that work in C. ``None`` = asyncio's own loop.
    """
    if os.environ.get("REMPART_EVENT_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_smtp(config: Config, *, listen: str, next_hop: str, spool_dir: str = "",
             config_path: str | None = None) -> None:
    host, port = listen_address(listen)
    quiet_protocol_log()
    content_filter = build_filter(config, next_hop=next_hop, spool_dir=spool_dir, config_path=config_path)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(serve(content_filter, host, port))


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
