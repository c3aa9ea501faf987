"""The console in a real browser: Playwright drives Debian's Chromium against a real `rempart serve`.

The server runs as a subprocess on a loopback port with a temporary data directory; the console
user and the ingest token are made with the real commands (`rempart user create`, `rempart token
create`); cases arrive through the API. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.console.conftest import MESSAGES, PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
REMPART = str(Path(sys.executable).parent / "rempart")
ANALYST = "analyste@exemple-industrie.fr"

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                                "(scripts/ensure-chromium.sh)")

CONFIG = """
[org]
name = "Exemple Industrie"
domains = ["exemple-industrie.fr"]

[[org.vips]]
name = "Camille Roux"
email = "camille.roux@exemple-industrie.fr"
department = "Direction"

[[org.vips]]
name = "Antoine Mercier"
email = "antoine.mercier@exemple-industrie.fr"
department = "Finance"

[[org.employees]]
name = "Nicolas Blanc"
email = "nicolas.blanc@exemple-industrie.fr"
department = "Comptabilité"

[[org.vendors]]
name = "Logistique Marchand"
domains = ["logistique-marchand.fr"]

[auth]
trusted_authserv_ids = ["mx.exemple-industrie.fr"]

[model]
enabled = false

[service]
scan_workers = -1
"""


@dataclass
class Server:
    url: str
    ingest: str
    env: dict[str, str]
    cases: dict[str, int]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.Popen[str]:
    proc = subprocess.Popen([REMPART, *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    return proc


def _output(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.wait(timeout=90) == 0, err
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("serve")
    (data / "rempart.toml").write_text(CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMPART_")}
    env.update(REMPART_DATA_DIR=str(data), REMPART_CONFIG=str(data / "rempart.toml"))
    port = _free_port()
    log = (data / "serve.log").open("w")
    # The server and the two commands start together (each migrates; migrations are serialised).
    proc = subprocess.Popen([REMPART, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    user = _start(["user", "create", ANALYST, "--role", "analyst", "--lang", "fr"], env, PASSWORD + "\n")
    token = _start(["token", "create", "--role", "ingest", "--name", "browser test"], env)
    url = f"http://127.0.0.1:{port}"
    try:
        assert "console user" in _output(user)
        ingest = _output(token).strip()
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (data / "serve.log").read_text()
            assert time.monotonic() < deadline, "rempart serve did not become healthy"
            time.sleep(0.25)
        cases: dict[str, int] = {}
        auth = {"Authorization": f"Bearer {ingest}", "Content-Type": "message/rfc822"}
        for key, name, reporter in (
            ("m365", "m365-password.eml", None),
            ("hostile", "hostile-html.eml", None),
            ("vendor", "vendor-bank-change.eml", "nicolas.blanc@exemple-industrie.fr"),
        ):
            raw = (MESSAGES / name).read_bytes()
            path = f"/api/v1/reports?reporter={reporter}" if reporter else "/api/v1/scan?store=true"
            r = httpx.post(url + path, content=raw, headers=auth, timeout=30)
            assert r.status_code == 200, r.text
            cases[key] = int(r.json()["case_id"])
        yield Server(url, ingest, env, cases)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _sign_in(page: object, server: Server, screenshot: str = "") -> None:
    page.goto(server.url + "/console/")  # type: ignore[attr-defined]
    assert "/console/login" in page.url  # type: ignore[attr-defined]
    if screenshot:
        page.screenshot(path=str(SCREENSHOTS / screenshot))  # type: ignore[attr-defined]
    page.fill("input[name=email]", ANALYST)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.url.endswith("/console/"), (page.url, page.locator(".alert").all_inner_texts())  # type: ignore[attr-defined]


def test_sign_in_triage_decide_and_audit(server: Server, browser: object) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, server, "login.png")
    cookie = next(c for c in context.cookies() if c["name"] == "rempart_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain HTTP here

    # The queue, in French (the user's preference), with the three cases.
    assert page.locator("h1").inner_text() == "Tri des signalements"
    assert page.locator("#queue tbody tr[data-case]").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    # Search narrows the queue; "/" focuses the search box.
    page.keyboard.press("/")
    page.keyboard.type("coordonnées")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=coordonn.*"))
    assert page.locator("#queue tbody tr[data-case]").count() == 1

    # Keyboard: j selects the first row, o opens it.
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(re.compile(rf".*/console/cases/{server.cases['vendor']}$"))
    lookalike = page.locator("#lookalikes .suspicious-side .domain")
    assert lookalike.inner_text() == "logistique-rnarchand.fr"
    assert page.locator("#lookalikes .suspicious-side mark.seg-diff").inner_text() == "rn"
    assert page.locator("#lookalikes .real-side .domain").inner_text() == "logistique-marchand.fr"
    assert page.locator("#authentication .auth-bad").count() >= 1  # dmarc=fail is highlighted
    assert "www.logistique-marchand.fr" in page.locator("#links td.shown").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    # Decide with one key (m), confirmed in the dialog; the audit trail shows it once, by this user.
    page.keyboard.press("m")
    page.wait_for_url(re.compile(r".*done=decided$"))
    assert page.locator(".case-state .badge.decision-malicious").count() == 1
    trail = page.locator("#audit .audit-trail li")
    decisions = [t for t in trail.all_inner_texts() if "Décision" in t]
    assert len(decisions) == 1 and ANALYST in decisions[0] and "Malveillant" in decisions[0]

    # The API agrees: one case.decision entry, by the console user.
    r = httpx.get(f"{server.url}/api/v1/cases/{server.cases['vendor']}",
                  cookies={"rempart_session": cookie["value"]}, timeout=10)
    assert r.status_code == 200
    entries = [e for e in r.json()["audit"] if e["action"] == "case.decision"]
    assert len(entries) == 1 and entries[0]["actor"].startswith("user:")

    # An incident report drafted from the case, pre-filled.
    page.click("text=Rédiger une déclaration d'incident")
    page.wait_for_url(re.compile(r".*/console/incidents/\d+$"))
    assert "logistique-rnarchand[.]fr" in page.locator("textarea[name=indicators]").input_value()
    page.screenshot(path=str(SCREENSHOTS / "incident.png"), full_page=True)

    # Dashboard, with an export that really downloads.
    page.goto(server.url + "/console/dashboard")
    assert page.locator(".chart-panel").count() == 6
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#chart-lure_types a:text('CSV')")
    assert download.value.suggested_filename.endswith(".csv")
    context.close()


def test_hostile_message_runs_nothing_and_loads_nothing(server: Server, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url)
            if urlsplit(req.url).hostname not in ("127.0.0.1", None) and not req.url.startswith("data:") else None)
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"pageerror: {err}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}"))
    page.on("dialog", lambda dialog: dialog.dismiss())
    _sign_in(page, server)
    page.evaluate("document.addEventListener('securitypolicyviolation', e => "
                  "(window.__csp = (window.__csp || []).concat(e.blockedURI + ' ' + e.violatedDirective)))")
    page.goto(f"{server.url}/console/cases/{server.cases['hostile']}")
    page.evaluate("document.addEventListener('securitypolicyviolation', e => "
                  "(window.__csp = (window.__csp || []).concat(e.blockedURI + ' ' + e.violatedDirective)))")
    page.wait_for_load_state("networkidle")
    body = page.locator("#mail-body")
    assert "Vos avantages 2027" in body.inner_text()
    dangerous = "script, img, iframe, object, embed, svg, video, audio, form, input, style, link, a, base, meta"
    assert body.locator(dangerous).count() == 0
    assert body.locator("[onload], [onerror], [onclick], [onfocus], [style], [class*=topbar]").count() == 0

    # Clicking a link in the message opens the warning, never the site.
    before = page.url
    body.locator(".body-link[data-url]").first.click()
    assert page.locator("#link-warning").is_visible()
    assert "avantages-salaries.test" in page.locator("#link-warning-dest").inner_text()
    page.keyboard.press("Escape")
    assert page.url == before

    # Nothing in the page even tried: no CSP violation, no error, no console message, no flag.
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("(window.__csp || []).length") == 0
    assert problems == [], problems

    # Even a script injected into the page after the fact is refused by the Content-Security-Policy.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = \"window.__pwned='late'\"; "
                  "document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("(window.__csp || []).length") >= 1  # the injected script was blocked by CSP
    assert outside == [], f"requests left the machine: {outside}"
    assert not [p for p in problems if "__pwned" in p or "pageerror" in p], problems  # only the CSP refusal
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "hostile-case.png"), full_page=True)
    context.close()
