"""``rempart serve``: the REST API (FastAPI on uvicorn)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from rempart.cli.common import ConfigOpt, check_config


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8080,
    config: ConfigOpt = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the API under /api/v1 (state in $REMPART_DATA_DIR, database at $REMPART_DATABASE_URL)."""
    import uvicorn

    from rempart.service import Settings, create_app

    config_path = check_config(config)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(Settings.from_env(config_path))
    # uvicorn's access log would print query strings (a reporter's address): Rempart logs requests itself.
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level=log_level, timeout_graceful_shutdown=10
    )
