from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rempart.config import Config
from rempart.service import ROLES, Settings, create_app
from rempart.store import tokens

MESSAGES = Path(__file__).resolve().parents[1] / "messages"


@dataclass
class Service:
    client: TestClient
    tokens: dict[str, str]
    app: Any

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_service(tmp: Path, url: str | None = None, *, with_tokens: bool = True, **service: Any) -> Iterator[Service]:
    config = Config.model_validate({"service": {"scan_workers": -1, **service}})
    settings = Settings(
        config=config, database_url=url or f"sqlite:///{tmp / 'rempart.db'}", data_dir=tmp, purge_interval_seconds=0
    )
    app = create_app(settings)
    with TestClient(app) as client:
        secrets: dict[str, str] = {}
        if not with_tokens:
            yield Service(client, secrets, app)
            return
        with app.state.service.db.write() as s:
            for role in ROLES:
                secrets[role] = tokens.create_token(s, role=role, name=f"test {role}", actor="test")[1]
        yield Service(client, secrets, app)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(tmp_path_factory.mktemp("service"))


PHISH = (
    b"From: Service Informatique <support@corp-securite-verif.fr>\r\n"
    b"To: jeanne.martin@corp.fr\r\nSubject: Votre mot de passe expire aujourd'hui\r\n"
    b"Message-ID: <phish-1@corp-securite-verif.fr>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0100\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<p>Bonjour, votre mot de passe expire aujourd'hui. Connectez-vous imm\xc3\xa9diatement pour le "
    b"conserver : <a href='http://192.0.2.7/login/office365'>https://portail.corp.fr/connexion</a></p>\r\n"
)
