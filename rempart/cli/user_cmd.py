"""``rempart user create|list|disable|password``: people who sign in to the analyst console."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rempart.cli._store import CLI_ACTOR, cli_database, cli_signer
from rempart.cli.common import ConfigOpt
from rempart.store import (
    incidents,  # noqa: F401  (imported for its GDPR export/erase, used by `rempart gdpr`)
    users,
)
from rempart.store.timeutil import iso

app = typer.Typer(help="Console users: create (password from stdin), list, disable, set a password.",
                  no_args_is_help=True)


def _read_password() -> str:
    """From a terminal: asked twice without echo. Otherwise: the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise typer.BadParameter("The two passwords differ.")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their sign-in name).")],
    role: Annotated[str, typer.Option(help="admin, analyst or auditor (read only).")],
    lang: Annotated[str, typer.Option(help="Console language: en or fr (they can change it).")] = "en",
    config: ConfigOpt = None,
) -> None:
    """Create a console user; the password is read from stdin (at least 12 characters)."""
    if role not in users.CONSOLE_ROLES:
        raise typer.BadParameter(f"--role must be one of {', '.join(users.CONSOLE_ROLES)}.")
    if lang not in users.LANGS:
        raise typer.BadParameter("--lang must be 'en' or 'fr'.")
    password = _read_password()
    users.check_password(password)
    signer = cli_signer(config)
    with cli_database().write() as session:
        user = users.create_user(session, email, role, password, actor=CLI_ACTOR, lang=lang, signer=signer)
        print(f"console user {user.email} created (id {user.id}, role {user.role})")


@app.command("list")
def list_() -> None:
    """Console users with role, language and last sign-in (never the password hash)."""
    table = Table("id", "email", "role", "lang", "created", "last sign-in", "state")
    with cli_database().read() as session:
        for u in users.list_users(session):
            table.add_row(str(u.id), u.email, u.role, u.lang, iso(u.created_at), iso(u.last_login_at) or "",
                          "disabled" if u.disabled_at else "active")
    Console().print(table)


@app.command("disable")
def disable(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    config: ConfigOpt = None,
) -> None:
    """Disable a user and end their sessions at once."""
    with cli_database().write() as session:
        user = users.disable_user(session, email, actor=CLI_ACTOR, signer=cli_signer(config))
        print(f"console user {user.email} disabled")


@app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    config: ConfigOpt = None,
) -> None:
    """Set a new password (read from stdin) and end the user's sessions."""
    secret = _read_password()
    with cli_database().write() as session:
        user = users.set_password(session, email, secret, actor=CLI_ACTOR, signer=cli_signer(config))
        print(f"password of {user.email} changed; their sessions were ended")
