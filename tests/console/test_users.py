"""Console users and sessions in the store, and `rempart user`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from rempart.cli.app import app as cli
from rempart.store import Database, gdpr, incidents, upgrade, users
from rempart.store.errors import InvalidState
from rempart.store.timeutil import utcnow
from tests.console.conftest import PASSWORD
from tests.store.dbfixtures import BACKENDS, database_urls


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """SQLite, and PostgreSQL when REMPART_TEST_DATABASE_URL names a server (as the store's tests)."""
    for url in database_urls(request.param, tmp_path):
        database = Database(url)
        upgrade(database)
        yield database
        database.dispose()


def test_create_and_sign_in(db: Database) -> None:
    with db.write() as s:
        user = users.create_user(s, " Jeanne.Martin@Corp.FR ", "analyst", PASSWORD, actor="cli", lang="fr")
        assert user.email == "jeanne.martin@corp.fr" and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    with db.write() as s:
        assert users.sign_in(s, "jeanne.martin@corp.fr", "wrong password") is None
        signed = users.sign_in(s, "JEANNE.MARTIN@corp.fr", PASSWORD)
        assert signed is not None
        secret = signed[1]
    with db.read() as s:
        found = users.session_user(s, secret)
        assert found is not None and found.role == "analyst" and found.lang == "fr"
        assert users.session_user(s, secret + "x") is None and users.session_user(s, "garbage") is None


@pytest.mark.parametrize(
    ("email", "role", "password"),
    [("not-an-address", "analyst", PASSWORD), ("a@corp.fr", "ingest", PASSWORD), ("a@corp.fr", "analyst", "short")],
)
def test_invalid_users_are_refused(db: Database, email: str, role: str, password: str) -> None:
    with db.write() as s, pytest.raises(InvalidState):
        users.create_user(s, email, role, password, actor="cli")


def test_duplicate_address_is_refused(db: Database) -> None:
    with db.write() as s:
        users.create_user(s, "a@corp.fr", "analyst", PASSWORD, actor="cli")
    with db.write() as s, pytest.raises(InvalidState):
        users.create_user(s, "A@corp.fr", "auditor", PASSWORD, actor="cli")


def test_sessions_end_when_idle_expired_or_disabled(db: Database) -> None:
    with db.write() as s:
        users.create_user(s, "a@corp.fr", "analyst", PASSWORD, actor="cli")
        signed = users.sign_in(s, "a@corp.fr", PASSWORD)
    assert signed is not None
    secret, now = signed[1], utcnow()
    with db.read() as s:
        assert users.session_user(s, secret, now=now + users.SESSION_IDLE - timedelta(minutes=1)) is not None
        assert users.session_user(s, secret, now=now + users.SESSION_IDLE + timedelta(minutes=1)) is None
    with db.write() as s:  # kept alive by use, still bounded by its lifetime
        users.touch_session(s, users.session_user(s, secret).session_id,  # type: ignore[union-attr]
                            now=now + users.SESSION_LIFETIME - timedelta(minutes=5))
    with db.read() as s:
        assert users.session_user(s, secret, now=now + users.SESSION_LIFETIME - timedelta(minutes=1)) is not None
        assert users.session_user(s, secret, now=now + users.SESSION_LIFETIME + timedelta(seconds=1)) is None
    with db.write() as s:
        users.disable_user(s, "a@corp.fr", actor="cli")
    with db.read() as s:
        assert users.session_user(s, secret) is None
    with db.write() as s:
        assert users.sign_in(s, "a@corp.fr", PASSWORD) is None


def test_old_hash_parameters_are_upgraded_at_sign_in(db: Database) -> None:
    with db.write() as s:
        user = users.create_user(s, "a@corp.fr", "analyst", PASSWORD, actor="cli")
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with db.write() as s:
        assert users.sign_in(s, "a@corp.fr", PASSWORD) is not None
    with db.read() as s:
        assert "m=19456,t=2,p=1" in users.find_user(s, "a@corp.fr").password_hash


def test_gdpr_covers_console_users_and_incident_reports(db: Database) -> None:
    with db.write() as s:
        users.create_user(s, "jeanne@corp.fr", "analyst", PASSWORD, actor="cli")
        from rempart.store.models import Campaign

        now = utcnow()
        s.add(Campaign(id=1, created_at=now, updated_at=now))
        s.flush()
        incidents.create(s, {"contact": "jeanne@corp.fr", "impact": "JEANNE@corp.fr a cliqué."}, actor="user:1",
                         lang="fr", campaign_id=1)
    with db.write() as s:
        exported = gdpr.export_person(s, "jeanne@corp.fr", actor="cli")
        assert exported["console_users"]["email"] == "jeanne@corp.fr"
        assert len(exported["incident_reports"]["reports"]) == 1
        done = gdpr.erase_person(s, "jeanne@corp.fr", actor="cli")
        assert done["console_users.users"] == 1 and done["incident_reports.reports_scrubbed"] == 1
    with db.read() as s:
        assert [u.email for u in users.list_users(s)] == ["[erased]-1"]
        fields = incidents.get(s, 1).fields
        assert "jeanne" not in str(fields).lower() and fields["impact"] == "[erased] a cliqué."
    with db.write() as s:
        assert users.sign_in(s, "jeanne@corp.fr", PASSWORD) is None


def test_user_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REMPART_DATABASE_URL", raising=False)
    monkeypatch.delenv("REMPART_CONFIG", raising=False)
    runner = CliRunner()
    done = runner.invoke(cli, ["user", "create", "soc@corp.fr", "--role", "analyst", "--lang", "fr"],
                         input=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    assert "console user soc@corp.fr created" in done.output and PASSWORD not in done.output
    bad = runner.invoke(cli, ["user", "create", "x@corp.fr", "--role", "ingest"], input=PASSWORD + "\n")
    assert bad.exit_code != 0 and "--role must be one of admin, analyst, auditor" in bad.output
    short = runner.invoke(cli, ["user", "create", "y@corp.fr", "--role", "auditor"], input="short\n")
    assert short.exit_code != 0
    listed = runner.invoke(cli, ["user", "list"])
    assert "soc@corp.fr" in listed.output and "$argon2" not in listed.output
    exported = runner.invoke(cli, ["gdpr", "export", "soc@corp.fr"])
    assert exported.exit_code == 0 and '"console_users"' in exported.output and '"incident_reports"' in exported.output
    assert runner.invoke(cli, ["user", "disable", "soc@corp.fr"]).exit_code == 0
    db = Database(f"sqlite:///{tmp_path / 'rempart.db'}")
    with db.write() as s:
        assert users.sign_in(s, "soc@corp.fr", PASSWORD) is None
