"""The audit chain catches rows edited, deleted or reordered directly in SQL, and names the first bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.store import Database, StoreOptions, audit, cases
from rempart.store.audit import AuditSigner
from tests.store.builders import new_case


def _fill(db: Database, n: int = 6, signer: AuditSigner | None = None) -> None:
    opts = StoreOptions(actor="test", signer=signer)
    with db.write() as s:
        for i in range(n):
            cases.add_case(
                s,
                new_case(i, body=f"Message numéro {i} sans rapport avec les autres {i * 7919}.", hosts=()),
                opts,
            )


def _verify_cli(db_url: str, tmp_path: Path, *extra: str) -> Result:
    """``rempart audit verify``, run in-process as the real command with the environment set."""
    env = {"REMPART_DATABASE_URL": db_url, "REMPART_DATA_DIR": str(tmp_path / "data"), "REMPART_CONFIG": ""}
    return CliRunner().invoke(app, ["audit", "verify", *extra], env=env)


def _sql(db: Database, statement: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement))


def test_intact_chain_verifies_by_cli(db: Database, db_url: str, tmp_path: Path) -> None:
    _fill(db)
    done = _verify_cli(db_url, tmp_path)
    assert done.exit_code == 0, done.output
    assert "intact: 6 entries" in done.output


@pytest.mark.parametrize(
    ("tamper", "first_bad", "kind"),
    [
        ('UPDATE audit_log SET details = \'{"verdict":"clean"}\' WHERE seq = 3', 3, "altered"),
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2", 2, "altered"),
        ("DELETE FROM audit_log WHERE seq = 4", 4, "deleted"),
        (
            "UPDATE audit_log SET seq = CASE seq WHEN 3 THEN 4 WHEN 4 THEN 3 END WHERE seq IN (3, 4)",
            3,
            "reordered",
        ),
        ("DELETE FROM audit_log WHERE seq >= 5", 5, "truncated"),
    ],
)
def test_tampering_in_sql_is_named_by_cli(
    db: Database, db_url: str, tmp_path: Path, tamper: str, first_bad: int, kind: str
) -> None:
    _fill(db)
    if "CASE seq" in tamper and db.dialect == "postgresql":  # swap through a free number (unique key)
        _sql(db, "UPDATE audit_log SET seq = 1000 WHERE seq = 3")
        _sql(db, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
        _sql(db, "UPDATE audit_log SET seq = 4 WHERE seq = 1000")
    elif "CASE seq" in tamper:
        _sql(db, "UPDATE audit_log SET seq = -3 WHERE seq = 3")
        _sql(db, "UPDATE audit_log SET seq = 3 WHERE seq = 4")
        _sql(db, "UPDATE audit_log SET seq = 4 WHERE seq = -3")
    else:
        _sql(db, tamper)
    done = _verify_cli(db_url, tmp_path)
    assert done.exit_code == 1, done.output
    assert f"BROKEN at entry {first_bad} ({kind})" in done.output


def test_rehashed_forgery_is_caught_by_the_next_link_or_the_signature(db: Database, tmp_path: Path) -> None:
    signer = AuditSigner.generate()
    _fill(db, signer=signer)
    with db.read() as s:
        row = audit.entries(s, after=1, limit=1)[0]
    forged_details = '{"verdict":"clean"}'
    forged = audit.entry_hash(
        row.prev_hash, row.at, row.actor, row.action, row.object_type, row.object_id, forged_details
    )
    _sql(db, f"UPDATE audit_log SET details = '{forged_details}', hash = '{forged}' WHERE seq = 2")
    with db.read() as s:
        unsigned_view = audit.verify(s)
        signed_view = audit.verify(s, signer.public_key)
    assert unsigned_view.problem is not None and unsigned_view.problem.seq == 3
    assert signed_view.problem is not None and signed_view.problem.seq == 2
    assert signed_view.problem.kind == "bad_signature"


def test_signed_chain_verifies_with_the_public_key(db: Database, db_url: str, tmp_path: Path) -> None:
    signer = AuditSigner.generate()
    _fill(db, 3, signer=signer)
    pub = tmp_path / "audit.pub"
    pub.write_bytes(signer.public_pem())
    done = _verify_cli(db_url, tmp_path, "--public-key", str(pub))
    assert done.exit_code == 0 and "3 signatures valid" in done.output
