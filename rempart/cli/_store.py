"""Opening the store from the command line: env-configured database, migrated, with the audit key."""

from __future__ import annotations

from pathlib import Path

from rempart.config import load_config
from rempart.store import Database, open_database
from rempart.store.audit import AuditSigner, load_signer
from rempart.store.cases import StoreOptions

CLI_ACTOR = "cli"


def cli_database() -> Database:
    return open_database()


def cli_signer(config_path: str | None) -> AuditSigner | None:
    config = load_config(config_path)
    path = config.service.audit_signing_key
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute() and config.source_path:
        p = Path(config.source_path).parent / p
    return load_signer(p)


def cli_options(config_path: str | None) -> StoreOptions:
    config = load_config(config_path)
    return StoreOptions(
        actor=CLI_ACTOR, signer=cli_signer(config_path), campaign_threshold=config.service.campaign_threshold
    )
