"""Fixtures for the console: a service app with the Exemple Industrie profile, console users, cases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rempart.config import config_from_mapping
from rempart.service import Settings, create_app
from rempart.service.limits import RateLimiter
from rempart.store import tokens, users

MESSAGES = Path(__file__).resolve().parents[1] / "messages" / "console"
PASSWORD = "correct horse battery staple"
PROFILE: dict[str, Any] = {
    "org": {
        "name": "Exemple Industrie",
        "domains": ["exemple-industrie.fr"],
        "vips": [
            {"name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr", "title": "Directrice générale",
             "department": "Direction"},
            {"name": "Antoine Mercier", "email": "antoine.mercier@exemple-industrie.fr", "department": "Finance"},
        ],
        "employees": [
            {"name": "Nicolas Blanc", "email": "nicolas.blanc@exemple-industrie.fr", "department": "Comptabilité"},
        ],
        "vendors": [{"name": "Logistique Marchand", "domains": ["logistique-marchand.fr"],
                     "ibans": ["FR7630006000011234567890189"]}],
    },
    "auth": {"trusted_authserv_ids": ["mx.exemple-industrie.fr"]},
    "model": {"enabled": False},
    "service": {"scan_workers": -1, "rate_limit_per_minute": 0},
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


@dataclass
class Console:
    client: TestClient
    app: Any
    ingest: str
    cases: dict[str, int] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.app.state.service.db

    def sign_in(self, email: str, password: str = PASSWORD, client: TestClient | None = None) -> TestClient:
        c = client or self.client
        c.cookies.clear()
        form = c.get("/console/login")
        token = csrf_of(form.text)
        r = c.post("/console/login", data={"email": email, "password": password, "csrf": token,
                                           "next": "/console/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    def csrf(self, path: str = "/console/") -> str:
        return csrf_of(self.client.get(path).text)

    def scan(self, name: str, *, report_by: str | None = None, variant: str = "") -> int:
        """Store a test message as a case (reported by ``report_by`` if given); ``variant`` makes its
        Message-ID unique, so it becomes a new case instead of joining the first one."""
        raw = (MESSAGES / name).read_bytes()
        if variant:
            raw = re.sub(rb"Message-ID: <", b"Message-ID: <" + variant.encode() + b".", raw, count=1)
        headers = {"Authorization": f"Bearer {self.ingest}", "Content-Type": "message/rfc822"}
        if report_by:
            r = self.client.post(f"/api/v1/reports?reporter={report_by}", content=raw, headers=headers)
        else:
            r = self.client.post("/api/v1/scan?store=true", content=raw, headers=headers)
        assert r.status_code == 200, r.text
        return int(r.json()["case_id"])

    def audit(self, case_id: int, action: str) -> list[Any]:
        from rempart.store import audit

        with self.db.read() as s:
            return [e for e in audit.entries(s, object_type="case", object_id=str(case_id), limit=1000)
                    if e.action == action]


def build(tmp: Path) -> Iterator[Console]:
    config = config_from_mapping(PROFILE)
    settings = Settings(config=config, database_url=f"sqlite:///{tmp / 'rempart.db'}", data_dir=tmp,
                        purge_interval_seconds=0)
    app = create_app(settings)
    app.state.console_login_limiter = RateLimiter(per_minute=0, burst=1)  # tests sign in often; see test_security
    with TestClient(app) as client:
        db = app.state.service.db
        with db.write() as s:
            ingest = tokens.create_token(s, role="ingest", name="gateway", actor="test")[1]
            users.create_user(s, "analyste@exemple-industrie.fr", "analyst", PASSWORD, actor="test", lang="fr")
            users.create_user(s, "analyst@exemple-industrie.fr", "analyst", PASSWORD, actor="test", lang="en")
            users.create_user(s, "audit@exemple-industrie.fr", "auditor", PASSWORD, actor="test", lang="en")
        yield Console(client, app, ingest)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from build(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def loaded(console: Console) -> Console:
    """The console with three cases: a vendor fraud reported by its recipient, a hostile HTML
    newsletter and a password lure (to two people)."""
    console.cases["vendor"] = console.scan("vendor-bank-change.eml", report_by="nicolas.blanc@exemple-industrie.fr")
    console.cases["hostile"] = console.scan("hostile-html.eml")
    console.cases["m365"] = console.scan("m365-password.eml")
    return console
