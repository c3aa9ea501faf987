"""Every endpoint × every role: 401 without a token, 403 with the wrong role, admitted otherwise."""

from __future__ import annotations

import pytest

from rempart.service import ROLES
from tests.service.conftest import PHISH, Service

API = "/api/v1"
# endpoint -> roles admitted besides admin
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/scan"): {"ingest", "analyst"},
    ("POST", "/reports?reporter=a@corp.fr"): {"reporter", "ingest"},
    ("GET", "/cases"): {"analyst", "auditor"},
    ("GET", "/cases/1"): {"analyst", "auditor"},
    ("GET", "/cases/1/raw"): {"analyst"},
    ("POST", "/cases/1/decision"): {"analyst"},
    ("POST", "/cases/1/release"): {"analyst"},
    ("GET", "/campaigns"): {"analyst", "auditor"},
    ("GET", "/campaigns/1"): {"analyst", "auditor"},
    ("POST", "/campaigns/1/decision"): {"analyst"},
    ("GET", "/stats"): {"analyst", "auditor"},
    ("GET", "/export/labels.csv"): {"analyst"},
    ("GET", "/audit"): {"auditor"},
    ("GET", "/audit/verify"): {"auditor"},
    ("GET", "/tokens"): set(),
    ("POST", "/tokens"): set(),
    ("DELETE", "/tokens/999"): set(),
}


def _call(service: Service, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": headers}
    if path.startswith(("/scan", "/reports")):
        kwargs["content"] = PHISH
    elif path.endswith("decision"):
        kwargs["json"] = {"decision": "spam", "comment": ""}
    elif path == "/tokens" and method == "POST":
        kwargs["json"] = {"role": "auditor"}
    return service.client.request(method, f"{API}{path}", **kwargs).status_code  # type: ignore[arg-type]


def test_every_route_is_in_the_matrix(service: Service) -> None:
    doc = service.client.get(f"{API}/openapi.json").json()
    routes = {(m.upper(), p.removeprefix(API)) for p, ops in doc["paths"].items() for m in ops}
    public = {("GET", "/healthz"), ("GET", "/metrics")}
    templated = {
        (
            m,
            p.split("?")[0].replace("/1", "/{case_id}", 1)
            if p.startswith("/cases")
            else p.split("?")[0].replace("/1", "/{campaign_id}", 1)
            if p.startswith("/campaigns")
            else p.split("?")[0].replace("/999", "/{token_id}"),
        )
        for m, p in MATRIX
    }
    assert routes - public == templated


@pytest.mark.parametrize(("method", "path"), list(MATRIX))
def test_role_matrix(service: Service, method: str, path: str) -> None:
    assert _call(service, method, path, {}) == 401
    assert _call(service, method, path, {"Authorization": "Bearer rpt_not-a-real-token"}) == 401
    for role in ROLES:
        status = _call(service, method, path, service.headers(role))
        if role == "admin" or role in MATRIX[(method, path)]:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)
