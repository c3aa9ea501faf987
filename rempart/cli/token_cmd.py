"""``rempart token create|list|revoke``: API tokens for the service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rempart.cli._store import CLI_ACTOR, cli_database, cli_signer
from rempart.cli.common import ConfigOpt
from rempart.config import load_config
from rempart.store import tokens
from rempart.store.timeutil import iso

app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    role: Annotated[str, typer.Option(help="admin, analyst, reporter, ingest or auditor.")],
    name: Annotated[str, typer.Option(help="What the token is for (shown in lists).")] = "",
    days: Annotated[
        int | None, typer.Option(min=0, help="Expiry in days (0 = never); default from config.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Create a token and print it alone on stdout (it is stored hashed and never shown again)."""
    if role not in tokens.ROLES:
        raise typer.BadParameter(f"--role must be one of {', '.join(tokens.ROLES)}.")
    settings = load_config(config).service
    db = cli_database()
    with db.write() as session:
        _record, secret = tokens.create_token(
            session,
            role=role,
            name=name,
            actor=CLI_ACTOR,
            days=settings.token_default_days if days is None else days,
            signer=cli_signer(config),
        )
    print(secret)


@app.command("list")
def list_() -> None:
    """Tokens with role, expiry and state (never the secret)."""
    db = cli_database()
    table = Table("id", "name", "role", "prefix", "created", "expires", "state", "last used")
    with db.read() as session:
        for t in tokens.list_tokens(session):
            state = "revoked" if t.revoked_at else "active"
            table.add_row(
                str(t.id),
                t.name,
                t.role,
                t.prefix + "…",
                iso(t.created_at),
                iso(t.expires_at) or "never",
                state,
                iso(t.last_used_at) or "",
            )
    Console().print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `rempart token list`).")],
    config: ConfigOpt = None,
) -> None:
    """Revoke a token at once."""
    db = cli_database()
    with db.write() as session:
        tokens.revoke(session, token_id, actor=CLI_ACTOR, signer=cli_signer(config))
    print(f"token {token_id} revoked")
