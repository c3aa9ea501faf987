"""The console's pages and actions, through HTTP (the browser tests cover what needs a real browser)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from rempart.service.intake import new_case
from rempart.service.scanning import scan_with
from rempart.store import cases
from rempart.store.cases import StoreOptions
from rempart.store.models import Campaign, Case
from tests.console.conftest import MESSAGES, Console, csrf_of

ANALYST = "analyst@exemple-industrie.fr"  # English
ANALYSTE = "analyste@exemple-industrie.fr"  # French


@pytest.fixture()
def analyst(loaded: Console) -> Iterator[TestClient]:
    loaded.sign_in(ANALYST)
    yield loaded.client
    loaded.client.cookies.clear()


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-case="(\d+)"', html)]


def test_queue_lists_cases_with_their_columns(loaded: Console, analyst: TestClient) -> None:
    html = analyst.get("/console/?status=all").text
    vendor = loaded.cases["vendor"]
    assert vendor in _ids(html)
    row = html[html.index(f'data-case="{vendor}"'):]
    row = row[: row.index("</tr>")]
    for text in ("Malicious", "1.00", "comptabilite@logistique-rnarchand.fr", "Changement de coordonnées bancaires",
                 "Credential phishing", "To decide"):
        assert text in row, text
    recipient, reporter = re.findall(r'<td class="(?:recipient|reporter)"[^>]*>(.*?)</td>', row)
    assert "nicolas.blanc@exemple-industrie.fr" in recipient and "nicolas.blanc@exemple-industrie.fr" in reporter
    assert re.search(r'class="age"[^>]*>\d+ (s|min)<', row)


def test_queue_filters_and_search(loaded: Console, analyst: TestClient) -> None:
    all_ids = _ids(analyst.get("/console/?status=all").text)
    assert {loaded.cases["vendor"], loaded.cases["hostile"], loaded.cases["m365"]} <= set(all_ids)
    assert _ids(analyst.get("/console/?status=all&q=COORDONN%C3%89ES").text) == [loaded.cases["vendor"]]
    assert _ids(analyst.get("/console/?status=all&q=antoine.mercier").text) == [loaded.cases["m365"]]
    assert _ids(analyst.get("/console/?status=all&q=100%25").text) == []  # LIKE wildcards are literal
    reported = _ids(analyst.get("/console/?status=all&reporter=nicolas.blanc@exemple-industrie.fr").text)
    assert reported == [loaded.cases["vendor"]]
    by_domain = _ids(analyst.get("/console/?status=all&domain=avantages-salaries.test").text)
    assert by_domain == [loaded.cases["hostile"]]
    assert _ids(analyst.get("/console/?status=all&verdict=clean").text) == []
    assert analyst.get("/console/?status=bogus&verdict=<x>&sort=';drop&page=-1").status_code == 200


def test_case_view_reasons_first_then_evidence(loaded: Console, analyst: TestClient) -> None:
    html = analyst.get(f"/console/cases/{loaded.cases['vendor']}").text
    order = [html.index(f'id="{section}"') for section in
             ("reasons", "lookalikes", "authentication", "links", "attachments", "detection", "body")]
    assert order == sorted(order)
    # Lookalike side by side, differing characters marked on both sides.
    assert 'logistique-<mark class="seg-diff">rn</mark>archand.fr' in html
    assert 'logistique-<mark class="seg-diff">m</mark>archand.fr' in html
    # Authentication results highlighted, in the summary and in the header itself.
    assert re.search(r'auth auth-bad"><span class="auth-method">DMARC</span> <span class="auth-value">fail', html)
    assert '<mark class="seg-bad">dmarc=fail</mark>' in html and '<mark class="seg-ok">spf=pass</mark>' in html
    # A link: what it shows and where it really goes.
    assert "https://www.logistique-marchand.fr/espace-client" in html
    assert "hxxp://logistique-rnarchand[.]fr/espace-client/rib" in html and "shows another site" in html
    # The attachment with its finding; rule hits; the reasons in plain English.
    assert "FA-2026-1187.html" in html and "collect.php" in html
    assert "bec-bank-change-unverified-sender" in html
    assert "made to look like logistique-marchand.fr" in html
    # The body: inert, links disabled.
    body = html[html.index('id="mail-body"'):]
    body = body[: body.index("</section>")]
    assert "<a " not in body and 'class="body-link"' in body


def test_case_view_in_french_for_a_french_user(loaded: Console) -> None:
    client = loaded.sign_in(ANALYSTE)
    html = client.get(f"/console/cases/{loaded.cases['vendor']}").text
    assert 'lang="fr"' in html and "Pourquoi Rempart signale ce message" in html
    assert "est fait pour ressembler à logistique-marchand.fr" in html  # the engine's French texts
    assert "Malveillant" in html
    client.cookies.clear()


def test_language_preference_is_saved(loaded: Console) -> None:
    client = loaded.sign_in(ANALYST)
    csrf = loaded.csrf()
    r = client.post("/console/preferences", data={"lang": "fr", "csrf": csrf, "next": "/console/dashboard"},
                    follow_redirects=False)
    assert r.headers["location"] == "/console/dashboard"
    assert "Tableau de bord" in client.get("/console/dashboard").text
    client.post("/console/preferences", data={"lang": "en", "csrf": csrf, "next": "/console/"})
    assert "Triage" in client.get("/console/").text
    client.cookies.clear()


def test_decision_from_the_case_is_audited_once(loaded: Console, analyst: TestClient) -> None:
    case_id = loaded.scan("vendor-bank-change.eml", variant="decide")
    csrf = loaded.csrf(f"/console/cases/{case_id}")
    r = analyst.post(f"/console/cases/{case_id}/decision",
                     data={"decision": "malicious", "comment": "fraude fournisseur", "csrf": csrf},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=decided")
    entries = loaded.audit(case_id, "case.decision")
    assert len(entries) == 1 and entries[0].actor.startswith("user:") and '"decision":"malicious"' in entries[0].details
    html = analyst.get(r.headers["location"]).text
    assert "Decision recorded and audited." in html and "fraude fournisseur" in html
    assert ANALYST in html[html.index('id="audit"'):]  # the trail names the user
    bogus = analyst.post(f"/console/cases/{case_id}/decision", data={"decision": "pwned", "csrf": csrf})
    assert bogus.status_code == 409


def test_bulk_decision_from_the_queue(loaded: Console, analyst: TestClient) -> None:
    ids = [loaded.scan("hostile-html.eml", variant=f"bulk{i}") for i in range(3)]
    csrf = loaded.csrf()
    r = analyst.post("/console/cases/decide", data={"ids": [str(i) for i in ids], "decision": "spam", "csrf": csrf,
                                                    "next": "/console/?status=new"}, follow_redirects=False)
    assert r.status_code == 303 and "done=decided&n=3" in r.headers["location"]
    for case_id in ids:
        assert len(loaded.audit(case_id, "case.decision")) == 1
    assert "Decision recorded for 3 case(s)." in analyst.get(r.headers["location"]).text


def test_campaign_decision_applies_to_every_case_audited_once_each(loaded: Console, analyst: TestClient) -> None:
    ids = [loaded.scan("m365-password.eml", variant=f"wave{i}", report_by=f"p{i}@exemple-industrie.fr")
           for i in range(3)]
    with loaded.db.read() as s:
        campaign_ids = {s.get(Case, i).campaign_id for i in ids}  # type: ignore[union-attr]
    assert len(campaign_ids) == 1 and None not in campaign_ids
    campaign_id = campaign_ids.pop()
    assert campaign_id is not None
    html = analyst.get(f"/console/campaigns/{campaign_id}").text
    assert all(f"/console/cases/{i}" in html for i in ids)
    assert f'/console/campaigns/{campaign_id}"' in analyst.get("/console/campaigns").text
    r = analyst.post(f"/console/campaigns/{campaign_id}/decision",
                     data={"decision": "phishing_simulation", "csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303
    with loaded.db.read() as s:
        members = [c.id for c in s.query(Case).filter(Case.campaign_id == campaign_id)]
        assert s.get(Campaign, campaign_id).decision == "phishing_simulation"  # type: ignore[union-attr]
    for case_id in members:
        entries = loaded.audit(case_id, "case.decision")
        assert len(entries) == 1 and f'"campaign":{campaign_id}' in entries[0].details


def test_release_from_quarantine(loaded: Console, analyst: TestClient) -> None:
    state = loaded.app.state.service
    raw = (MESSAGES / "m365-password.eml").read_bytes().replace(b"<m365-expire-42@", b"<held@")
    outcome = scan_with(state.scanner.engine, raw)
    with loaded.db.write() as s:
        case_id = cases.add_case(s, new_case(raw, outcome.verdict, outcome.signature, source="gateway",
                                             quarantine=True), StoreOptions(actor="gateway")).id
    page = analyst.get(f"/console/cases/{case_id}").text
    assert 'id="release-button"' in page
    assert "/console/?status=all&amp;quarantine=held" in analyst.get("/console/").text
    assert case_id in _ids(analyst.get("/console/?status=all&quarantine=held").text)
    r = analyst.post(f"/console/cases/{case_id}/release", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert len(loaded.audit(case_id, "case.release")) == 1
    with loaded.db.read() as s:
        assert cases.get_case(s, case_id).quarantine == "release_requested"
    again = analyst.post(f"/console/cases/{case_id}/release", data={"csrf": csrf_of(page)})
    assert again.status_code == 409 and len(loaded.audit(case_id, "case.release")) == 1


def test_dashboard_and_exports(loaded: Console, analyst: TestClient) -> None:
    html = analyst.get("/console/dashboard?days=7").text
    for key in ("per_day", "lure_types", "targeted_people", "departments", "time_to_report", "sender_domains"):
        assert f'id="chart-{key}"' in html
        assert f"/console/dashboard/{key}.csv?days=7" in html and f"/console/dashboard/{key}.png?days=7" in html
    assert "<svg" in html
    people = analyst.get("/console/dashboard/targeted_people.csv")
    assert people.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(people.text.lstrip("\ufeff"))))
    assert rows[0] == ["recipient", "name", "cases"]
    assert rows[1][:2] == ["nicolas.blanc@exemple-industrie.fr", "Nicolas Blanc"]
    departments = dict((r[0], r[1]) for r in csv.reader(io.StringIO(
        analyst.get("/console/dashboard/departments.csv").text.lstrip("\ufeff"))))
    assert {"Comptabilité", "Finance", "Direction"} <= set(departments)
    days = list(csv.reader(io.StringIO(analyst.get("/console/dashboard/per_day.csv?days=7").text.lstrip("\ufeff"))))
    assert days[0] == ["day", "clean", "suspicious", "malicious"] and len(days) == 1 + 8
    assert sum(int(r[3]) for r in days[1:]) >= 3
    png = analyst.get("/console/dashboard/lure_types.png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert analyst.get("/console/dashboard/nothing.csv").status_code == 404


def test_incident_report_draft_edit_export(loaded: Console, analyst: TestClient) -> None:
    csrf = loaded.csrf()
    r = analyst.post("/console/incidents", data={"case": str(loaded.cases["vendor"]), "csrf": csrf},
                     follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    html = analyst.get(url).text
    # Pre-filled from the case: what happened, indicators (defanged), measures, deadlines.
    assert "Changement de coordonnées bancaires" in html
    assert "comptabilite@logistique-rnarchand[.]fr" in html and "198.51.100.23" in html
    assert "hxxp://logistique-rnarchand[.]fr/espace-client/rib" in html
    assert "SHA-256" in html and "Early warning (24 h)" in html and "Final report (1 month)" in html
    # Edited and saved (audited, without the text).
    r = analyst.post(url, data={"csrf": csrf, "impact": "Un salarié a cliqué ; aucun paiement.",
                                "cross_border": "Aucun."}, follow_redirects=False)
    assert r.status_code == 303 and "done=saved" in r.headers["location"]
    report_id = int(url.rsplit("/", 1)[1])
    from rempart.store import audit

    with loaded.db.read() as s:
        updates = [e for e in audit.entries(s, object_type="incident", object_id=str(report_id)) if
                   e.action == "incident.update"]
    assert len(updates) == 1 and '"sections":["cross_border","impact"]' in updates[0].details
    assert "Un salarié" not in updates[0].details
    md = analyst.get(f"{url}/report.md?stage=notification")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "## Impact" in md.text and "Un salarié a cliqué ; aucun paiement." in md.text
    assert "## Indicators of compromise" in md.text and "## Measures taken and ongoing" not in md.text
    early = analyst.get(f"{url}/report.md?stage=early_warning").text
    assert "## Indicators of compromise" not in early and "## Suspected unlawful or malicious act" in early
    pdf = analyst.get(f"{url}/report.pdf?stage=final")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Un salarié a cliqué" in text and "Measures taken and ongoing" in text
    assert f"/console/incidents/{report_id}" in analyst.get("/console/incidents").text


def test_incident_report_from_a_campaign_in_french(loaded: Console) -> None:
    ids = [loaded.scan("vendor-bank-change.eml", variant=f"fr{i}", report_by=f"r{i}@exemple-industrie.fr")
           for i in range(2)]
    with loaded.db.read() as s:
        campaign_id = s.get(Case, ids[0]).campaign_id  # type: ignore[union-attr]
    assert campaign_id is not None
    client = loaded.sign_in(ANALYSTE)
    r = client.post("/console/incidents", data={"campaign": str(campaign_id), "csrf": loaded.csrf()},
                    follow_redirects=False)
    html = client.get(r.headers["location"]).text
    assert f"Campagne d&#39;e-mails n° {campaign_id}" in html or f"Campagne d'e-mails n° {campaign_id}" in html
    assert "Alerte précoce (24 h)" in html and "Indicateurs de compromission" in html
    md = client.get(r.headers["location"] + "/report.md").text
    assert "## Mesures prises et en cours" in md
    client.cookies.clear()


def test_leave_page_warns_and_only_offers_web_links(analyst: TestClient) -> None:
    html = analyst.get("/console/leave", params={"url": "https://evil.test/login"}).text
    assert 'href="https://evil.test/login"' in html and 'rel="noopener noreferrer"' in html
    assert "hxxps://evil[.]test/login" in html
    html = analyst.get("/console/leave", params={"url": "javascript:alert(1)"}).text
    assert 'href="javascript' not in html and "not a web link" in html


def test_unknown_things_are_404_pages(analyst: TestClient) -> None:
    for path in ("/console/cases/999999", "/console/campaigns/999999", "/console/incidents/999999"):
        r = analyst.get(path)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], path
