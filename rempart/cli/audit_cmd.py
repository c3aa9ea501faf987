"""``rempart audit verify|keygen``: check the tamper-evident audit trail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from rempart.cli._store import cli_database, cli_signer
from rempart.cli.common import ConfigOpt
from rempart.store import audit

app = typer.Typer(help="The audit trail: verify the hash chain, create a signing key.", no_args_is_help=True)


@app.command("verify")
def verify(
    public_key: Annotated[
        str | None,
        typer.Option(
            help="Ed25519 public key (PEM) to check signatures; default: the configured signing key."
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Walk the chain; name the first entry altered, deleted or reordered. Exit 0 intact, 1 tampered."""
    key = audit.load_public_key(public_key) if public_key else None
    if key is None:
        signer = cli_signer(config)
        key = signer.public_key if signer else None
    db = cli_database()
    with db.read() as session:
        result = audit.verify(session, key)
    problem = result.problem
    if problem is not None:
        print(f"audit chain BROKEN at entry {problem.seq} ({problem.kind}): {problem.message}")
        raise typer.Exit(1)
    signed = f", {result.signed} signatures valid" if key is not None else ""
    print(f"audit chain intact: {result.entries} entries{signed}; head {result.head_seq} {result.head_hash}")


@app.command("keygen")
def keygen(
    path: Annotated[
        Path, typer.Argument(help="Where to write the private key (PEM); the public key goes to PATH.pub.")
    ],
) -> None:
    """Create an Ed25519 signing key; point [service] audit_signing_key at it."""
    if path.exists():
        raise typer.BadParameter(f"{path} exists; choose another path.")
    signer = audit.AuditSigner.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(signer.private_pem())
    Path(f"{path}.pub").write_bytes(signer.public_pem())
    print(f"private key {path} (key id {signer.key_id}), public key {path}.pub")
