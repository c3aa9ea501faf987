"""``rempart db upgrade|status|purge|export-labels``: the store's schema and housekeeping."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rempart.cli._store import CLI_ACTOR, cli_database, cli_signer
from rempart.cli.common import ConfigOpt
from rempart.config import load_config
from rempart.store import Database, database_url, labels, migrate, retention

app = typer.Typer(help="The database: migrate, status, retention purge, labels export.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Bring the schema to the current version (the service also does it at start)."""
    db = Database(database_url())
    migrate.upgrade(db)
    print(f"{db.safe_url}: schema at {migrate.current_revision(db)}")


@app.command("status")
def status() -> None:
    """Where the database is and which schema version it has."""
    db = Database(database_url())
    current, head = migrate.current_revision(db) or "(empty)", migrate.head_revision()
    print(
        f"{db.safe_url}: schema {current}, shipped {head}"
        + ("" if current == head else " — run `rempart db upgrade`")
    )


@app.command("purge")
def purge(config: ConfigOpt = None) -> None:
    """Delete raw messages older than [service] retention_days (metadata is kept)."""
    days = load_config(config).service.retention_days
    db, signer, total = cli_database(), cli_signer(config), 0
    while True:
        with db.write() as session:
            n = retention.purge(session, retention_days=days, actor=CLI_ACTOR, signer=signer)
        total += n
        if n == 0:
            break
    print(f"purged the raw content of {total} cases older than {days} days")


@app.command("export-labels")
def export_labels(
    directory: Annotated[Path, typer.Argument(help="Output folder (labels.csv + cases/*.eml).")],
) -> None:
    """Analyst decisions as a labels set `rempart eval --labels DIR/labels.csv` reads."""
    db = cli_database()
    with db.read() as session:
        written, skipped = labels.export_labels_dir(session, directory)
    print(
        f"{written} labelled messages written to {directory}; {skipped} decided cases left out (raw purged)"
    )
