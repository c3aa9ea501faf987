"""``rempart``: the command-line front door. Each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from rempart.cli import (
    audit_cmd,
    db_cmd,
    eval_cmd,
    gateway_cmd,
    gdpr_cmd,
    hunt_cmd,
    model_cmd,
    rules_cmd,
    scan_cmd,
    serve_cmd,
    token_cmd,
    train_cmd,
    user_cmd,
)
from rempart.errors import RempartError

app = typer.Typer(
    name="rempart",
    help="Detect phishing, CEO/vendor fraud and malicious attachments in email, explained in EN and FR.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("scan")(scan_cmd.scan)
app.command("eval")(eval_cmd.evaluate)
app.add_typer(rules_cmd.app, name="rules")
app.command("hunt")(hunt_cmd.hunt)
app.command("serve")(serve_cmd.serve)
app.add_typer(token_cmd.app, name="token")
app.add_typer(user_cmd.app, name="user")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(gdpr_cmd.app, name="gdpr")
app.add_typer(db_cmd.app, name="db")
app.add_typer(gateway_cmd.app, name="gateway")
app.command("train")(train_cmd.train)
app.add_typer(model_cmd.app, name="model")


def main() -> None:
    try:
        app()
    except RempartError as err:
        # Operational errors are one clear sentence, never a stack trace.
        print(f"rempart: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
