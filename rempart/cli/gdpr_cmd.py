"""``rempart gdpr export|erase ADDRESS``: a person's records, exported or erased, and what was done."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from rempart.cli._store import CLI_ACTOR, cli_database, cli_signer
from rempart.cli.common import ConfigOpt
from rempart.store import gdpr

app = typer.Typer(help="GDPR requests: export or erase every record of a person.", no_args_is_help=True)


@app.command("export")
def export(
    address: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write JSON here (default stdout).")
    ] = None,
    raw: Annotated[bool, typer.Option(help="Include the raw messages (base64).")] = True,
    config: ConfigOpt = None,
) -> None:
    """Export every case, report and audit reference about ADDRESS as JSON."""
    db = cli_database()
    with db.write() as session:
        data = gdpr.export_person(
            session, address, actor=CLI_ACTOR, signer=cli_signer(config), include_raw=raw
        )
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
    print(
        f"exported {len(data['cases'])} cases, {len(data['reports'])} reports and "
        f"{len(data['audit_entries'])} audit references for {data['address']}",
        file=sys.stderr,
    )


@app.command("erase")
def erase(
    address: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do it (without this, only say what would be erased).")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Erase ADDRESS from every case and report; verdicts stay, unlinked; the erase is audited."""
    db = cli_database()
    if not yes:
        with db.read() as session:
            ids = gdpr.case_ids_for(session, address)
        print(f"{len(ids)} cases mention {address.strip().lower()}; run again with --yes to erase.")
        return
    with db.write() as session:
        done = gdpr.erase_person(session, address, actor=CLI_ACTOR, signer=cli_signer(config))
    print(
        f"erased {address.strip().lower()}: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in done.items())
    )
