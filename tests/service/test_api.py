"""The API end to end on a real SQLite file: scan, report, cases, campaigns, stats, labels, audit."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from rempart.service.app import create_app
from rempart.service.settings import Settings
from tests.service.conftest import PHISH, Service, make_service

API = "/api/v1"
RFC822 = {"content-type": "message/rfc822"}


def test_scan_store_report_decide_and_export(service: Service) -> None:
    c, h = service.client, service.headers
    r = c.post(f"{API}/scan?store=true&lang=fr", content=PHISH, headers={**h("ingest"), **RFC822})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] in ("suspicious", "malicious") and body["case_id"] and body["reasons"]
    case_id = body["case_id"]
    r = c.post(f"{API}/reports?reporter=jeanne.martin@corp.fr", content=PHISH, headers=h("reporter"))
    assert r.status_code == 200 and r.json()["case_id"] == case_id and r.json()["joined"] is True
    listed = c.get(f"{API}/cases?reporter=jeanne.martin@corp.fr", headers=h("analyst")).json()
    assert [i["id"] for i in listed["items"]] == [case_id]
    assert listed["items"][0]["recipients"] == ["jeanne.martin@corp.fr"]
    detail = c.get(f"{API}/cases/{case_id}?lang=fr", headers=h("analyst")).json()
    assert detail["report_count"] == 1 and detail["facts"]["subject"].startswith("Votre mot de passe")
    assert [e["action"] for e in detail["audit"]] == ["case.create", "case.report"]
    assert c.get(f"{API}/cases/{case_id}", headers=h("auditor")).json()["facts"] is None
    assert c.get(f"{API}/cases/{case_id}/raw", headers=h("analyst")).content == PHISH
    r = c.post(f"{API}/cases/{case_id}/decision", json={"decision": "malicious", "comment": "vu"}, headers=h("analyst"))
    assert r.status_code == 200 and r.json()["decision"] == "malicious"
    assert c.post(f"{API}/cases/{case_id}/release", headers=h("analyst")).status_code == 409
    csv_text = c.get(f"{API}/export/labels.csv", headers=h("analyst")).text
    assert f"feedback,phish,cases/{case_id}.eml,rempart:malicious" in csv_text
    stats = c.get(f"{API}/stats", headers=h("auditor")).json()
    assert stats["reports"]["count"] >= 1 and stats["top_targeted_recipients"][0]["address"] == "jeanne.martin@corp.fr"
    assert stats["reports"]["time_to_report_seconds"]["measured"] >= 1
    verify = c.get(f"{API}/audit/verify", headers=h("auditor")).json()
    assert verify["ok"] and verify["entries"] >= 3
    assert c.get(f"{API}/cases/999999", headers=h("analyst")).status_code == 404


def test_campaign_from_many_variants(service: Service) -> None:
    c, h = service.client, service.headers
    ids = []
    for i in range(3):
        raw = PHISH.replace(b"phish-1@", f"phish-v{i}@".encode()).replace(b"jeanne.martin", f"user{i}".encode())
        ids.append(c.post(f"{API}/scan?store=true", content=raw, headers=h("ingest")).json()["case_id"])
    campaigns = {c.get(f"{API}/cases/{i}", headers=h("analyst")).json()["campaign_id"] for i in ids}
    assert len(campaigns) == 1 and None not in campaigns
    campaign_id = campaigns.pop()
    detail = c.get(f"{API}/campaigns/{campaign_id}", headers=h("analyst")).json()
    assert detail["case_count"] >= 3
    r = c.post(
        f"{API}/campaigns/{campaign_id}/decision", json={"decision": "phishing_simulation"}, headers=h("analyst")
    )
    assert r.status_code == 200 and r.json()["cases_decided"] == detail["case_count"]
    assert c.get(f"{API}/campaigns", headers=h("analyst")).json()["total"] >= 1


def test_tokens_over_the_api(service: Service) -> None:
    c, h = service.client, service.headers
    r = c.post(f"{API}/tokens", json={"role": "reporter", "name": "outlook add-in", "days": 30}, headers=h("admin"))
    assert r.status_code == 201
    secret, token_id = r.json()["token"], r.json()["id"]
    mine = {"Authorization": f"Bearer {secret}"}
    assert c.post(f"{API}/reports?reporter=a@corp.fr", content=PHISH, headers=mine).status_code == 200
    assert all("token" not in t for t in c.get(f"{API}/tokens", headers=h("admin")).json())
    assert c.delete(f"{API}/tokens/{token_id}", headers=h("admin")).status_code == 200
    assert c.post(f"{API}/reports?reporter=a@corp.fr", content=PHISH, headers=mine).status_code == 401


def test_token_revoked_by_another_process_stops_working_within_the_cache_time(service: Service) -> None:
    from rempart.store import tokens

    state = service.app.state.service
    with state.db.write() as s:
        record, secret = tokens.create_token(s, role="analyst", name="short-lived", actor="test")
    mine = {"Authorization": f"Bearer {secret}"}
    assert service.client.get(f"{API}/stats", headers=mine).status_code == 200  # now remembered
    with state.db.write() as s:  # as `rempart token revoke` does, in its own process
        tokens.revoke(s, record.id, actor="cli")
    time.sleep(state.token_auth.ttl + 0.1)
    assert service.client.get(f"{API}/stats", headers=mine).status_code == 401


def test_health_metrics_and_openapi(service: Service) -> None:
    c = service.client
    assert c.get(f"{API}/healthz").json()["status"] == "ok"
    assert c.get("/healthz").status_code == 200
    text = c.get("/metrics").text
    assert "rempart_scans_total" in text and "rempart_http_requests_total" in text
    doc = c.get(f"{API}/openapi.json").json()
    assert "/api/v1/scan" in doc["paths"] and "message/rfc822" in str(doc["paths"]["/api/v1/scan"])


def test_body_limit_and_rate_limit(tmp_path: Path) -> None:
    for svc in make_service(tmp_path, max_body_bytes=2048, rate_limit_per_minute=60, rate_limit_burst=3):
        big = PHISH + b"x" * 4096
        r = svc.client.post(f"{API}/scan", content=big, headers=svc.headers("ingest"))
        assert r.status_code == 413 and r.json()["error"] == "body_too_large"
        codes = [svc.client.get(f"{API}/stats", headers=svc.headers("analyst")).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_database_down_gives_503_with_a_clear_message(tmp_path: Path) -> None:
    for svc in make_service(tmp_path, url="postgresql+psycopg://postgres@127.0.0.1:1/rempart", with_tokens=False):
        svc_tokens = {"Authorization": "Bearer rpt_whatever"}
        r = svc.client.post(f"{API}/scan", content=PHISH, headers=svc_tokens)
        assert r.status_code == 503
        assert r.json()["error"] == "database_unavailable" and "unreachable" in r.json()["detail"]
        assert svc.client.get(f"{API}/healthz").status_code == 503


def test_logs_hold_no_content_no_address_no_token(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    marker = b"CANARY-7f3a"
    raw = PHISH.replace(b"Votre mot de passe", b"Votre " + marker)
    with caplog.at_level(logging.DEBUG):
        service.client.post(f"{API}/scan?store=true", content=raw, headers=service.headers("ingest"))
        service.client.post(
            f"{API}/reports?reporter=secret.person@corp.fr", content=raw, headers=service.headers("reporter")
        )
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")  # httpx: the test's client
    assert "/scan" in logged
    for needle in ("CANARY", "secret.person", "jeanne.martin", *service.tokens.values()):
        assert needle not in logged


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REMPART_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("REMPART_DATABASE_URL", raising=False)
    monkeypatch.delenv("REMPART_CONFIG", raising=False)
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'd' / 'rempart.db'}"
    assert create_app(settings).openapi_url == "/api/v1/openapi.json"
