"""Sign-in, sessions, CSRF, roles and security headers of the console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rempart.service.limits import RateLimiter
from rempart.store import audit, users
from rempart.store.models import AuditEntry
from tests.console.conftest import PASSWORD, Console, csrf_of

ANALYST = "analyst@exemple-industrie.fr"
AUDITOR = "audit@exemple-industrie.fr"


@pytest.fixture()
def client(loaded: Console) -> Iterator[TestClient]:
    loaded.client.cookies.clear()
    yield loaded.client
    loaded.client.cookies.clear()


def _entries(console: Console, action: str) -> list[AuditEntry]:
    with console.db.read() as s:
        return [e for e in audit.entries(s, limit=100_000) if e.action == action]


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/console/", "/console/cases/1", "/console/dashboard", "/console/incidents"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=/console/"), path
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"


def test_security_headers(client: TestClient) -> None:
    r = client.get("/console/login")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "img-src 'self' data:" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text and " on" + "click=" not in r.text  # no inline script, no handlers
    static = client.get("/console/static/console.js")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"


def test_sign_in_sets_a_strict_cookie_and_is_audited(loaded: Console, client: TestClient) -> None:
    page = client.get("/console/login")
    token = csrf_of(page.text)
    login_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie.replace("Strict", "strict")
    before = len(_entries(loaded, "user.login"))
    r = client.post("/console/login", data={"email": ANALYST.upper(), "password": PASSWORD, "csrf": token,
                                            "next": "/console/dashboard"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/dashboard"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("rempart_session=rcs_") and "HttpOnly" in cookie and "Path=/" in cookie
    assert "samesite=strict" in cookie.lower() and "secure" not in cookie.lower()  # plain HTTP
    entries = _entries(loaded, "user.login")
    assert len(entries) == before + 1 and entries[-1].actor.startswith("user:")
    assert ANALYST not in entries[-1].details  # the chain holds no address


def test_secure_cookie_over_tls(loaded: Console) -> None:
    tls = TestClient(loaded.app, base_url="https://console.test")  # no `with`: the app is already started
    token = csrf_of(tls.get("/console/login").text)
    r = tls.post("/console/login", data={"email": ANALYST, "password": PASSWORD, "csrf": token},
                 follow_redirects=False)
    assert r.status_code == 303
    assert "secure" in r.headers["set-cookie"].lower()
    assert "strict-transport-security" in tls.get("/console/login").headers


def test_wrong_password_and_unknown_user_fail_alike(loaded: Console, client: TestClient) -> None:
    before = len(_entries(loaded, "user.login_failed"))
    for email, password in ((ANALYST, "not the password at all"), ("nobody@exemple-industrie.fr", PASSWORD)):
        token = csrf_of(client.get("/console/login").text)
        r = client.post("/console/login", data={"email": email, "password": password, "csrf": token})
        assert r.status_code == 401 and "rempart_session" not in r.headers.get("set-cookie", "")
        assert "Wrong address or password." in r.text or "Adresse ou mot de passe incorrect." in r.text
    assert len(_entries(loaded, "user.login_failed")) == before + 2


def test_sign_in_form_needs_its_csrf_cookie(client: TestClient) -> None:
    client.get("/console/login")
    r = client.post("/console/login", data={"email": ANALYST, "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403
    token = csrf_of(client.get("/console/login").text)
    r = client.post("/console/login", data={"email": ANALYST, "password": PASSWORD, "csrf": token},
                    headers={"Origin": "https://evil.test"})
    assert r.status_code == 403


def test_sign_in_attempts_are_throttled(loaded: Console, client: TestClient) -> None:
    saved = loaded.app.state.console_login_limiter
    loaded.app.state.console_login_limiter = RateLimiter(per_minute=10, burst=3)
    try:
        codes = []
        for _ in range(5):
            token = csrf_of(client.get("/console/login").text)
            codes.append(client.post("/console/login", data={"email": "x@exemple-industrie.fr",
                                                             "password": "wrong password!", "csrf": token}).status_code)
        assert codes == [401, 401, 401, 429, 429]
    finally:
        loaded.app.state.console_login_limiter = saved


def test_open_redirect_is_refused(loaded: Console, client: TestClient) -> None:
    for target in ("https://evil.test/", "//evil.test/", "/\\evil.test", "/api/v1/tokens"):
        client.cookies.clear()
        token = csrf_of(client.get("/console/login").text)
        r = client.post("/console/login", data={"email": ANALYST, "password": PASSWORD, "csrf": token,
                                                "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/console/", target


def test_state_changes_need_the_csrf_token(loaded: Console, client: TestClient) -> None:
    case_id = loaded.scan("m365-password.eml", variant="csrf")
    loaded.sign_in(ANALYST)
    good = loaded.csrf(f"/console/cases/{case_id}")
    for data, headers in (
        ({"decision": "spam"}, {}),
        ({"decision": "spam", "csrf": "0" * 64}, {}),
        ({"decision": "spam", "csrf": good}, {"Origin": "https://evil.test"}),
    ):
        r = client.post(f"/console/cases/{case_id}/decision", data=data, headers=headers)
        assert r.status_code == 403 and "nothing was changed" in r.text
    assert loaded.audit(case_id, "case.decision") == []
    r = client.post(f"/console/cases/{case_id}/decision", data={"decision": "spam", "csrf": good},
                    headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303
    assert len(loaded.audit(case_id, "case.decision")) == 1


def test_the_session_reads_the_api_but_writes_only_with_the_csrf_header(loaded: Console, client: TestClient) -> None:
    case_id = loaded.scan("m365-password.eml", variant="api")
    loaded.sign_in(ANALYST)
    csrf = loaded.csrf()
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/decision", json={"decision": "spam"}).status_code == 401
    r = client.post(f"/api/v1/cases/{case_id}/decision", json={"decision": "spam"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["decision"] == "spam"
    entries = loaded.audit(case_id, "case.decision")
    assert len(entries) == 1 and entries[0].actor.startswith("user:")


def test_auditor_reads_but_cannot_decide_nor_see_content(loaded: Console, client: TestClient) -> None:
    case_id = loaded.cases["vendor"]
    loaded.sign_in(AUDITOR)
    page = client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    assert 'id="decision-form"' not in page.text and 'id="mail-body"' not in page.text
    assert "Auditors see verdicts" in page.text
    assert "Bonjour Nicolas" not in page.text
    csrf = csrf_of(page.text)
    r = client.post(f"/console/cases/{case_id}/decision", data={"decision": "clean", "csrf": csrf})
    assert r.status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}/raw").status_code == 403


def test_sign_out_ends_the_session(loaded: Console, client: TestClient) -> None:
    loaded.sign_in(ANALYST)
    secret = client.cookies.get("rempart_session")
    assert secret
    csrf = loaded.csrf()
    r = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with loaded.db.read() as s:
        assert users.session_user(s, secret) is None
    client.cookies.set("rempart_session", secret)
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_disabled_user_loses_the_session_at_once(loaded: Console, client: TestClient) -> None:
    with loaded.db.write() as s:
        users.create_user(s, "temp@exemple-industrie.fr", "analyst", PASSWORD, actor="test")
    loaded.sign_in("temp@exemple-industrie.fr")
    assert client.get("/console/", follow_redirects=False).status_code == 200
    with loaded.db.write() as s:
        users.disable_user(s, "temp@exemple-industrie.fr", actor="test")
    assert client.get("/console/", follow_redirects=False).status_code == 303
