"""``rempart gateway smtp|imap``: Rempart in the mail flow (see docs/gateway.md)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from rempart.cli.common import ConfigOpt, check_config
from rempart.config import load_config

app = typer.Typer(help="Mail flow: SMTP content filter beside Postfix, and the report-mailbox loop.",
                  no_args_is_help=True)
LogLevel = Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")]


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command("smtp")
def smtp(
    listen: Annotated[str | None, typer.Option(help="host:port to listen on; default \\[gateway] listen.")] = None,
    next_hop: Annotated[
        str | None, typer.Option("--next-hop", help="host:port mail is handed on to; default \\[gateway] next_hop.")
    ] = None,
    spool: Annotated[str | None, typer.Option(help="Spool directory; default \\[gateway] spool_dir.")] = None,
    config: ConfigOpt = None,
    log_level: LogLevel = "info",
) -> None:
    """Run the after-queue content filter: scan, stamp X-Rempart-* headers, quarantine, hand on."""
    from rempart.gateway.run import run_smtp

    config_path = check_config(config)
    settings = load_config(config_path)
    _logging(log_level)
    run_smtp(
        settings,
        listen=listen or settings.gateway.listen,
        next_hop=next_hop or settings.gateway.next_hop,
        spool_dir=spool or "",
        config_path=config_path,
    )


@app.command("imap")
def imap(
    once: Annotated[bool, typer.Option("--once", help="Handle what is waiting, send due feedback, then exit.")] = False,
    config: ConfigOpt = None,
    log_level: LogLevel = "info",
) -> None:
    """Poll the report mailbox (\\[gateway.imap], TLS): file reports, send feedback and follow-ups."""
    from rempart.gateway.run import run_imap

    config_path = check_config(config)
    settings = load_config(config_path)
    _logging(log_level)
    run_imap(settings, once=once, config_path=config_path)
