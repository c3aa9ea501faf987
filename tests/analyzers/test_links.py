"""The links analyzer: each check on its own (messages built directly), then whole messages parsed
from bytes (tests/messages/links/), then the contract with the catalogue and the facts."""

from __future__ import annotations

import base64
import string
from pathlib import Path
from typing import Any

import pytest

from rempart.analyzers import links
from rempart.analyzers.base import Context, Envelope, Resources
from rempart.catalogue import Catalogue
from rempart.config import Config, config_from_mapping
from rempart.engine.facts import build_facts
from rempart.findings import Finding
from rempart.message.model import Address, Message, Url, UrlOrigin
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).parent.parent / "messages" / "links"
STRONG = 0.5

ORG: dict[str, Any] = {
    "org": {
        "name": "Exemple Industrie",
        "domains": ["exemple-industrie.fr"],
        "vendors": [{"name": "Transports Durand", "domains": ["transports-durand.fr"]}],
    },
    "auth": {"trusted_authserv_ids": ["mx.exemple-industrie.fr"]},
}


def config(extra: dict[str, Any] | None = None) -> Config:
    data = {**ORG, **(extra or {})}
    return config_from_mapping(data)


_DEFAULT = config()
_RESOURCES = Resources(_DEFAULT)


def run(message: Message, cfg: Config | None = None, findings: list[Finding] | None = None,
        envelope: Envelope | None = None) -> list[Finding]:
    if cfg is None:
        cfg, resources = _DEFAULT, _RESOURCES
    else:
        resources = Resources(cfg)
    context = Context(cfg, resources, envelope, list(findings or []))
    return list(links.analyze(message, context))


def link(href: str, shown: str | None = None, origin: UrlOrigin = UrlOrigin.HREF) -> Url:
    """A Url the way the parser writes it (scheme and host from the address)."""
    from rempart.message.urls import make_url

    url = make_url(href, origin, shown)
    assert url is not None, href
    return url


def message(*urls: Url, to: str = "jean.dupont@exemple-industrie.fr", sender: str = "info@expediteur.example",
            html: str = "") -> Message:
    return Message(from_=(Address("", sender),), to=(Address("", to),), urls=urls, html=html)


def codes(findings: list[Finding]) -> dict[str, float]:
    best: dict[str, float] = {}
    for f in findings:
        best[f.code] = max(best.get(f.code, 0.0), f.weight)
    return best


def strong(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings if f.weight >= STRONG}


def auth_pass(domain: str) -> Finding:
    return Finding("auth.results", 0.0, {"spf": "pass", "dkim": "pass", "dmarc": "pass", "arc": "none",
                                         "dkim_domains": [domain], "trusted": True, "dmarc_domain": domain})


# --- shown text against destination -----------------------------------------------------------


def test_shown_brand_domain_leading_elsewhere_is_strong_and_cites_the_exact_url() -> None:
    href = "https://secure-check.example.net/fr/connexion?id=42"
    found = run(message(link(href, "https://www.paypal.com/fr/signin")))
    hit = next(f for f in found if f.code == "links.shown_brand_mismatch")
    assert hit.weight >= 0.7
    assert hit.evidence["url"] == href and hit.evidence["host"] == "secure-check.example.net"
    assert hit.evidence["target_name"] == "PayPal"
    assert "links.shown_url_mismatch" not in codes(found)  # one signal, not two


def test_shown_vendor_domain_counts_as_protected() -> None:
    found = run(message(link("https://factures-en-ligne.example.com/", "www.transports-durand.fr")))
    hit = next(f for f in found if f.code == "links.shown_brand_mismatch")
    assert hit.evidence["target_kind"] == "vendor"


def test_shown_unknown_domain_leading_elsewhere() -> None:
    found = run(message(link("https://evil.example.com/x", "www.mabanque-regionale.fr")))
    assert codes(found)["links.shown_url_mismatch"] == pytest.approx(0.6)


def test_shown_text_on_the_same_site_or_same_owner_is_fine() -> None:
    found = run(message(
        link("https://www.credit-agricole.fr/particulier/acceder.html", "www.credit-agricole.fr"),
        link("https://support.microsoft.com/fr-fr", "https://www.microsoft.com"),
        link("https://www.google.com/maps", "youtube.com"),  # one owner: Google
    ))
    assert not {"links.shown_url_mismatch", "links.shown_brand_mismatch"} & set(codes(found))


def test_text_that_is_not_a_web_address_is_ignored() -> None:
    found = run(message(
        link("https://github.com/org/repo/blob/main/setup.py", "setup.py"),
        link("https://evil.example.com/", "Cliquez ici pour valider"),
        link("https://evil.example.com/", "Votre espace client.fr sécurisé"),
        link("https://evil.example.com/", "contact@mabanque.fr"),
    ))
    assert "links.shown_url_mismatch" not in codes(found)


def test_esp_click_tracking_lowers_the_mismatch() -> None:
    href = "https://decathlon.us12.list-manage.com/track/click?u=a1b2c3&id=d4e5f6&e=0a1b2c"
    found = run(message(link(href, "www.decathlon.fr")))
    assert codes(found)["links.shown_brand_mismatch" if "links.shown_brand_mismatch" in codes(found)
                        else "links.shown_url_mismatch"] <= 0.35
    assert not strong(found)


def test_esp_tracking_with_authenticated_brand_sender_is_nearly_silent() -> None:
    href = "https://u123456.ct.sendgrid.net/ls/click?upn=abcDEF"
    found = run(message(link(href, "www.paypal.com"), sender="service@paypal.fr"),
                findings=[auth_pass("paypal.fr")])
    assert codes(found)["links.shown_brand_mismatch"] <= 0.1


def test_unlisted_click_tracker_is_weaker_than_a_plain_mismatch() -> None:
    found = run(message(link("http://clickthru.lettre-info.example/Click?q=02-abc", "www.journal-matin.fr")))
    assert codes(found)["links.shown_url_mismatch"] == pytest.approx(0.3)


# --- hosts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("href", "weight"), [
    ("http://45.137.21.9/login.php", 0.5),
    ("http://[2a05:d018:1234::7]/", 0.5),
    ("http://763958537/", 0.6),  # 45.137.21.9 as one decimal number
    ("http://0x2d.0x89.0x15.0x9/", 0.6),
    ("http://055.0211.025.011/", 0.6),  # octal
    ("http://192.168.1.20:8080/intranet", 0.1),
])
def test_ip_hosts(href: str, weight: float) -> None:
    found = run(message(link(href)))
    assert codes(found)["links.ip_host"] == pytest.approx(weight)


def test_mixed_script_host_and_lookalike() -> None:
    found = run(message(link("https://www.p\u0430ypal.com/signin")))  # Cyrillic "а"
    c = codes(found)
    assert c["links.mixed_script_host"] >= 0.4
    assert c["links.lookalike_domain"] >= 0.6


def test_punycode_written_host_is_reported() -> None:
    found = run(message(link("https://xn--caf-dma.example/menu")))
    assert "links.idn_host" in codes(found)


def test_lookalike_of_the_organisation() -> None:
    found = run(message(link("https://exemple-industrle.fr/factures")))
    hit = next(f for f in found if f.code == "links.lookalike_domain")
    assert hit.weight == pytest.approx(0.7) and hit.evidence["target_kind"] == "org"


def test_brand_domain_in_front_of_another_domain() -> None:
    found = run(message(link("https://paypal.com.secure-login.example.xyz/verify")))
    assert "links.brand_in_subdomain" in codes(found)
    assert "links.suspicious_tld" in codes(found)
    hit = next(f for f in run(message(link("https://microsoft.login.evil-host.xyz/")))
               if f.code == "links.brand_in_subdomain")
    assert hit.weight == pytest.approx(0.6) and hit.evidence["target_name"] == "Microsoft"


def test_brand_label_in_an_ordinary_subdomain_is_not_flagged() -> None:
    assert codes(run(message(link("https://apple.stackexchange.com/questions/1")))) == {}


def test_userinfo_trick() -> None:
    found = run(message(link("https://www.paypal.com@evil.example/login")))
    hit = next(f for f in found if f.code == "links.userinfo_in_url")
    assert hit.weight == pytest.approx(0.6) and hit.evidence["host"] == "evil.example"


def test_shortener_free_hosting_and_tld() -> None:
    found = run(message(
        link("https://bit.ly/3xYzAbC"),
        link("https://facture-2024.pages.dev/"),
        link("https://promo.example.xyz/"),
    ))
    c = codes(found)
    assert c["links.shortener"] == pytest.approx(0.2)
    assert c["links.free_hosting"] == pytest.approx(0.35)
    assert c["links.suspicious_tld"] == pytest.approx(0.2)


def test_free_hosting_with_a_sign_in_page_or_brand_is_stronger() -> None:
    for href in ("https://x7k2.pages.dev/microsoft/index.html", "https://docs-share.web.app/login"):
        assert codes(run(message(link(href))))["links.free_hosting"] == 0.5
    # The organisation's own name, with or without its hyphen, counts as a lure too.
    hit = next(f for f in run(message(link("https://exempleindustrie-rh.github.io/charte/")))
               if f.code == "links.free_hosting")
    assert hit.weight == 0.5 and hit.evidence["lure"] == "exempleindustrie"
    forms = codes(run(message(link("https://docs.google.com/forms/d/e/1FAIpQLSd/viewform"))))
    assert forms["links.free_hosting"] == pytest.approx(0.35)
    # Other Google Docs paths are not on the list.
    assert "links.free_hosting" not in codes(run(message(link("https://docs.google.com/document/d/1abc/edit"))))


def test_deep_subdomain_nonstandard_port_http_login() -> None:
    found = run(message(
        link("https://a.b.c.d.e.example.com/"),
        link("https://portal.example.net:8443/"),
        link("http://portal.example.net/login.php"),
    ))
    c = codes(found)
    assert {"links.deep_subdomain", "links.nonstandard_port", "links.http_login"} <= set(c)
    assert max(c.values()) < STRONG


@pytest.mark.parametrize(("href", "expected"), [
    ("https://cdn.example.com/files/Facture_2024.exe", 0.3),
    ("https://cdn.example.com/files/Facture_2024.iso", 0.3),
    ("https://cdn.example.com/files/photos.zip", 0.2),
    ("https://storage.googleapis.com/bucket-x/facture.html", 0.3),
    ("https://www.example.com/docs/index.html", None),
    ("https://blog.example.com/2024/article.php?id=3", None),
])
def test_risky_downloads(href: str, expected: float | None) -> None:
    assert codes(run(message(link(href)))).get("links.risky_download") == expected


def test_a_program_on_the_authenticated_senders_own_site_is_still_a_risky_download() -> None:
    """An authenticated look-alike's "detection tool" (.exe) counts; its archives and pages stay ordinary."""
    sender = "alerte@cert-alertes.example"
    exe = run(message(link("https://cert-alertes.example/outils/scanner.exe"), sender=sender),
              findings=[auth_pass("cert-alertes.example")])
    assert codes(exe).get("links.risky_download") == 0.3
    archive = run(message(link("https://cert-alertes.example/outils/rapport.zip"), sender=sender),
                  findings=[auth_pass("cert-alertes.example")])
    assert "links.risky_download" not in codes(archive)


# --- schemes, redirects, recipients, forms ----------------------------------------------------------


def test_data_and_javascript_links() -> None:
    found = run(message(
        link("data:text/html;base64,PGh0bWw+PC9odG1sPg=="),
        link("data:image/png;base64,iVBORw0KGgo=", origin=UrlOrigin.IMAGE),
        link("javascript:document.location='https://evil.example'"),
    ))
    c = codes(found)
    assert c["links.data_uri"] == pytest.approx(0.5)
    assert c["links.javascript_href"] == pytest.approx(0.5)
    assert [f.evidence["media_type"] for f in found if f.code == "links.data_uri"] == ["text/html"]


def test_open_redirect_to_another_site_is_reported_and_its_target_checked() -> None:
    href = "https://www.google.com/url?q=https://login-verify.example.xyz/&sa=D"
    found = run(message(link(href)))
    redirect = next(f for f in found if f.code == "links.open_redirect")
    assert redirect.evidence["redirect_host"] == "login-verify.example.xyz"
    tld = next(f for f in found if f.code == "links.suspicious_tld")
    assert tld.evidence["url"] == href and tld.evidence["host"] == "login-verify.example.xyz"


def test_redirect_within_one_site_or_through_an_esp_is_not() -> None:
    found = run(message(
        link("https://www.example.com/login?next=https://www.example.com/account"),
        link("https://mc.us12.list-manage.com/track/click?url=https://www.decathlon.fr/"),
    ))
    assert "links.open_redirect" not in codes(found)


def test_oauth_consent_link_for_an_unknown_application() -> None:
    href = ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=4e3b9c2a-7d15"
            "&response_type=code&redirect_uri=https%3A%2F%2Fdoc-viewer-sync.example.net%2Fauth"
            "&scope=Mail.ReadWrite%20offline_access%20User.Read&prompt=consent")
    found = run(message(link(href, "Ouvrir le document")))
    hit = next(f for f in found if f.code == "links.oauth_consent")
    assert hit.weight == pytest.approx(0.6)
    assert hit.evidence["application_host"] == "doc-viewer-sync.example.net"
    assert hit.evidence["scopes"] == ["mail.readwrite", "offline_access"]
    assert "links.open_redirect" not in codes(found)  # the same fact, reported once


def test_oauth_consent_to_private_repositories_weighs_like_a_mailbox() -> None:
    # A GitHub OAuth app asking for full control of private repositories and their CI workflows.
    href = ("https://github.com/login/oauth/authorize?client_id=Iv1.0a1b2c3d4e5f6a7b"
            "&scope=repo%2Cread%3Aorg%2Cworkflow&redirect_uri=https%3A%2F%2Fapp.flaky-report.example%2Fcallback")
    hit = next(f for f in run(message(link(href, "Authorize on GitHub"))) if f.code == "links.oauth_consent")
    assert hit.weight == pytest.approx(0.6) and hit.evidence["scopes"] == ["repo", "workflow"]
    narrow = href.replace("scope=repo%2Cread%3Aorg%2Cworkflow", "scope=read%3Auser")
    weak = next(f for f in run(message(link(narrow))) if f.code == "links.oauth_consent")
    assert weak.weight == pytest.approx(0.45)


def test_oauth_sign_in_to_the_providers_own_application_is_not_reported() -> None:
    href = ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=00000002"
            "&response_type=code&redirect_uri=https%3A%2F%2Foutlook.office.com%2Fowa%2F&scope=openid")
    assert "links.oauth_consent" not in codes(run(message(link(href))))


def test_recipient_address_prefilled_plain_encoded_or_base64() -> None:
    to = "jean.dupont@exemple-industrie.fr"
    b64 = base64.b64encode(f"user={to}&t=1".encode()).decode()
    for href in (f"https://evil.example/o365/?email={to}", "https://evil.example/#jean.dupont%40exemple-industrie.fr",
                 f"https://evil.example/p/{b64}"):
        hit = next(f for f in run(message(link(href), to=to)) if f.code == "links.recipient_in_url")
        assert hit.weight == pytest.approx(0.4) and hit.evidence["recipient"] == to


def test_recipient_in_an_unsubscribe_link_or_archive_path_is_ordinary() -> None:
    to = "jean.dupont@exemple-industrie.fr"
    found = run(message(
        link(f"https://news.example.com/unsubscribe?email={to}"),
        link(f"https://lists.example.org/archives/20240102-1-{to}/"),
        to=to,
    ))
    assert codes(found).get("links.recipient_in_url", 0.0) <= 0.2


def test_a_reset_link_on_the_authenticated_senders_own_name_is_ordinary() -> None:
    """Mail from kovalis.fr (DMARC pass), the reset page at ferrand.kovalis.app with the reader's address in it."""
    to = "emma.rousseau@ferrand-assurances.fr"
    href = f"https://ferrand.kovalis.app/password/reset/e1f84c3a?email={to}"
    own = run(message(link(href), to=to, sender="notifications@kovalis.fr"), findings=[auth_pass("kovalis.fr")])
    assert codes(own).get("links.recipient_in_url", 0.0) <= 0.2
    claimed = run(message(link(href), to=to, sender="notifications@kovalis.fr"))  # not authenticated: not vouched for
    assert codes(claimed)["links.recipient_in_url"] == pytest.approx(0.4)


def test_the_authenticated_brands_other_domain_is_its_own() -> None:
    """A WeTransfer notice from wetransfer.com (DMARC pass) links to we.tl, WeTransfer's short domain: its own
    service, not free hosting; unauthenticated, the same link still counts."""
    own = run(message(link("https://we.tl/t-Yq8KpR2mVx"), sender="noreply@wetransfer.com"),
              findings=[auth_pass("wetransfer.com")])
    assert "links.free_hosting" not in codes(own)
    claimed = run(message(link("https://we.tl/t-Yq8KpR2mVx"), sender="noreply@wetransfer.com"))
    assert "links.free_hosting" in codes(claimed)
    # a Gmail user's link to Google's hosting is the user's, not Google's
    gmail = run(message(link("https://storage.googleapis.com/b/x/index.html"), sender="ines.moreau@gmail.com"),
                findings=[auth_pass("gmail.com")])
    assert "links.free_hosting" in codes(gmail)


def test_the_readers_address_on_a_known_brands_own_site_is_ordinary() -> None:
    """A brand's newsletter link on its own domain carrying the reader's address (base64) reads no credentials; the
    same on a site where anyone publishes (free hosting) or on an unknown domain still counts."""
    to = "mark.davis@acme-corp.com"
    b64 = base64.b64encode(to.encode()).decode()
    own = run(message(link(f"https://r.emails.fnac.com/tr/un/li/abcDEF?e={b64}"), to=to, sender="newsletter@fnac.fr"))
    assert codes(own)["links.recipient_in_url"] <= 0.2
    for host in ("fnac-offres.example", "fnac-offres.web.app"):
        other = run(message(link(f"https://{host}/li/abcDEF?e={b64}"), to=to, sender="newsletter@fnac.fr"))
        assert codes(other)["links.recipient_in_url"] == pytest.approx(0.4), host


def test_the_readers_address_on_an_open_platforms_account_pages_is_ordinary() -> None:
    """Google's sign-in alert links to accounts.google.com/AccountChooser?Email=<reader>: only Google writes
    there. On Google's open hosting (sites.google.com) the same link still counts."""
    to = "lucas.fabre@alpes-solidaires.fr"
    own = run(message(link(f"https://accounts.google.com/AccountChooser?Email={to}&continue=x"), to=to,
                      sender="no-reply@accounts.google.com"))
    assert codes(own)["links.recipient_in_url"] <= 0.2
    hosted = run(message(link(f"https://sites.google.com/view/verify?Email={to}"), to=to,
                         sender="no-reply@accounts.google.com"))
    assert codes(hosted)["links.recipient_in_url"] == pytest.approx(0.4)


def test_envelope_recipient_counts() -> None:
    found = run(message(link("https://evil.example/?u=compta@exemple-industrie.fr")),
                envelope=Envelope(rcpt_to=("compta@exemple-industrie.fr",)))
    assert "links.recipient_in_url" in codes(found)


def test_credential_form_in_the_html_body() -> None:
    html = ('<form action="https://collect.example.net/post.php" method="post">'
            '<input type="email" name="login"><input type="password" name="pass"></form>')
    action = link("https://collect.example.net/post.php", origin=UrlOrigin.FORM_ACTION)
    found = run(message(action, html=html))
    hit = next(f for f in found if f.code == "links.credential_form")
    assert hit.weight == pytest.approx(0.7)
    assert hit.evidence["url"] == "https://collect.example.net/post.php" and hit.evidence["password_field"]


def test_card_form_and_harmless_search_form() -> None:
    card = '<form action="https://pay.example.net/"><input name="card_number"><input name="cvv"></form>'
    assert codes(run(message(html=card)))["links.credential_form"] == pytest.approx(0.45)
    search = ('<form action="https://www.journal.example/search">'
              '<input name="q"><input name="shipping"></form>')
    assert "links.credential_form" not in codes(run(message(html=search)))


# --- trust -------------------------------------------------------------------------------------


def test_links_to_the_organisation_are_not_suspicious_by_themselves() -> None:
    found = run(message(
        link("http://intranet.exemple-industrie.fr:8080/login"),
        link("https://a.b.c.d.exemple-industrie.fr/x.zip", "www.exemple-industrie.fr"),
    ))
    assert found == []


def test_sender_authenticated_domain_is_trusted_but_only_when_authenticated() -> None:
    href = "http://espace.lettres-pro.example.xyz/login"
    plain = codes(run(message(link(href), sender="info@lettres-pro.example.xyz")))
    assert {"links.suspicious_tld", "links.http_login"} <= set(plain)
    trusted = run(message(link(href), sender="info@lettres-pro.example.xyz"),
                  findings=[auth_pass("lettres-pro.example.xyz")])
    assert trusted == []


def test_safe_links_wrapper_is_looked_through() -> None:
    href = ("https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fbit.ly%2F3abcDEF"
            "&data=05%7C01&reserved=0")
    hit = next(f for f in run(message(link(href))) if f.code == "links.shortener")
    assert hit.evidence["url"] == href and hit.evidence["destination"] == "https://bit.ly/3abcDEF"


def test_organisation_lists_extend_the_shipped_ones() -> None:
    cfg = config({"lists": {"shorteners": ["lnk.exemple"], "free_hosting": ["partage.example/public"]}})
    found = codes(run(message(link("https://lnk.exemple/a1"), link("https://partage.example/public/f")), cfg))
    assert {"links.shortener", "links.free_hosting"} <= set(found)


def test_header_and_shown_text_origins_are_not_followed() -> None:
    found = run(message(link("http://203.0.113.9/unsub", origin=UrlOrigin.HEADER),
                        link("http://203.0.113.9/", origin=UrlOrigin.LINK_TEXT)))
    assert found == []


def test_many_links_to_one_shortener_stay_bounded() -> None:
    urls = [link(f"https://bit.ly/a{i}") for i in range(200)]
    found = run(message(*urls))
    assert 0 < len(found) <= links.MAX_FINDINGS_PER_CODE


# --- whole messages ----------------------------------------------------------------------------


def scan_file(name: str, findings: list[Finding] | None = None) -> list[Finding]:
    msg = parse_message((MESSAGES / name).read_bytes(), _DEFAULT.limits)
    return run(msg, findings=findings)


def test_legit_newsletter_with_esp_tracking_does_not_pile_up() -> None:
    found = scan_file("newsletter_esp_tracking.eml")
    assert not strong(found)
    assert sum(f.weight for f in {f.code: f for f in found}.values()) < 0.5


def test_legit_bank_notice_linking_to_its_own_domain_is_clean() -> None:
    assert scan_file("bank_notice_own_domain.eml") == []


def test_phishing_with_disguised_link_and_prefilled_address() -> None:
    c = codes(scan_file("phish_disguised_link.eml"))
    assert c["links.shown_brand_mismatch"] >= 0.7
    assert "links.recipient_in_url" in c and "links.free_hosting" in c


def test_phishing_with_credential_form_in_body() -> None:
    c = codes(scan_file("phish_credential_form.eml"))
    assert c["links.credential_form"] >= 0.6


# --- contracts ---------------------------------------------------------------------------------


def test_every_code_has_english_and_french_text() -> None:
    catalogue = Catalogue.load_shipped()
    for code in links.CODES:
        assert catalogue.has(code, "en") and catalogue.has(code, "fr"), code


def test_every_finding_is_declared_cites_url_and_host_and_fills_its_text() -> None:
    found = scan_file("phish_disguised_link.eml") + scan_file("phish_credential_form.eml") + run(message(
        link("http://45.137.21.9:8080/login.exe"), link("https://bit.ly/x"), link("https://www.paypal.com@e.example/"),
        link("https://a.b.c.d.e.example.xyz/"), link("https://www.google.com/url?q=https://e.example/"),
        link("https://paypal.com.secure-login.example.xyz/"), link("https://microsoft.login.evil-host.xyz/"),
        link("https://login.microsoftonline.com/common/oauth2/authorize?client_id=1&response_type=code"
             "&redirect_uri=https%3A%2F%2Fapp.example.net%2F&scope=Mail.Read"),
        link("data:text/html,x"), link("javascript:void(0)"), link("https://xn--pypal-4ve.com/"),
    ))
    catalogue = Catalogue.load_shipped()
    assert len({f.code for f in found}) >= 15
    for f in found:
        assert f.code in links.CODES and 0 < f.weight <= 1
        assert "url" in f.evidence and "host" in f.evidence
        for lang in ("en", "fr"):
            template = catalogue.entries[f.code][lang]
            for _, key, _, _ in string.Formatter().parse(template):
                assert key is None or key in f.evidence, (f.code, key)


def test_facts_attach_findings_to_their_url() -> None:
    msg = parse_message((MESSAGES / "phish_disguised_link.eml").read_bytes(), _DEFAULT.limits)
    found = run(msg)
    facts = build_facts(msg, found, _DEFAULT.org)
    flagged = {u["url"]: u["findings"] for u in facts["urls"] if u["findings"]}
    assert any("links.shown_brand_mismatch" in codes_ for codes_ in flagged.values())


def test_urls_found_inside_attachments_get_the_link_checks() -> None:
    """A QR code or PDF link reaches the reader as surely as a link in the body (quishing)."""
    from email.message import EmailMessage

    from rempart.config import Config
    from rempart.engine import Engine
    from tests.analyzers.payload import samples

    png = samples.png(samples.qr_image("https://m365-login-verify.pages.dev/start"))

    msg = EmailMessage()
    msg["From"] = "IT <it@example.org>"
    msg["To"] = "nicolas@example.com"
    msg["Subject"] = "Scan to keep your mailbox"
    msg.set_content("Scan the attached code with your phone.")
    msg.add_attachment(png, maintype="image", subtype="png", filename="code.png")
    verdict = Engine(Config()).scan(msg.as_bytes())
    free = [f for f in verdict.findings if f.code == "links.free_hosting"]
    assert free and free[0].evidence["url"] == "https://m365-login-verify.pages.dev/start"


def test_free_hosting_or_shortener_written_out_in_full_weighs_less_than_hidden_behind_text() -> None:
    bare = "https://syzbot-reports.appspot.com/bug?id=4c1f"
    shown = codes(run(message(link(bare, origin=UrlOrigin.TEXT))))
    hidden = codes(run(message(link(bare, "Voir le rapport"))))
    both = codes(run(message(link(bare, origin=UrlOrigin.TEXT), link(bare, "Voir le rapport"))))
    assert 0 < shown["links.free_hosting"] < hidden["links.free_hosting"] == both["links.free_hosting"]
    assert codes(run(message(link("https://bit.ly/3xYz", origin=UrlOrigin.TEXT))))["links.shortener"] < 0.2


def test_subscriber_address_in_one_of_many_newsletter_links_is_weak() -> None:
    to = "jean.dupont@exemple-industrie.fr"
    prefs = link(f"https://lettre.editeur-presse.example/lire?email={to}", "Lire en ligne")
    articles = [link(f"https://www.editeur-presse.example/article/{i}", f"Article {i}") for i in range(30)]
    few = next(f for f in run(message(prefs, to=to)) if f.code == "links.recipient_in_url")
    many = next(f for f in run(message(prefs, *articles, to=to)) if f.code == "links.recipient_in_url")
    assert many.weight < few.weight


def test_javascript_link_calling_a_page_function_is_weak_one_that_navigates_is_not() -> None:
    inert = codes(run(message(link("javascript:popUp('profile.cfm?newsID=95027')"))))
    active = codes(run(message(link("javascript:window.location='https://evil.example/'"))))
    assert inert["links.javascript_href"] < active["links.javascript_href"] == pytest.approx(0.5)


def test_ip_address_written_out_in_full_weighs_less_than_hidden_behind_text() -> None:
    bare = "http://93.184.216.34/configuration_RPi.html"
    shown = codes(run(message(link(bare, origin=UrlOrigin.TEXT))))
    hidden = codes(run(message(link(bare, "Voir la configuration"))))
    assert 0 < shown["links.ip_host"] < hidden["links.ip_host"] == pytest.approx(links.checks.IP_HOST)


def test_redirector_carrying_the_destination_in_its_path() -> None:
    found = run(message(link("https://www.google.co.uk/amp/s/colis-suivi.example/livraison", "Suivre mon colis")))
    redirect = next(f for f in found if f.code == "links.open_redirect")
    assert redirect.evidence["parameter"] == "path" and redirect.evidence["redirect_host"] == "colis-suivi.example"
    plain = run(message(link("https://www.google.fr/amp/about", "AMP")))
    assert "links.open_redirect" not in codes(plain)


def test_another_sites_name_over_the_senders_own_click_tracker_is_weak() -> None:
    sponsor = link("https://clic.lettre-editeur.fr/c?q=4e-0Y95I", "www.hebergeur-partenaire.fr")
    own = codes(run(message(sponsor, sender="lettre@news.lettre-editeur.fr")))
    other = codes(run(message(sponsor, sender="lettre@autre-expediteur.example")))
    assert own["links.shown_url_mismatch"] <= links.SHOWN_MISMATCH_SENDER_SITE < other["links.shown_url_mismatch"]


def test_a_domain_named_only_after_a_sign_in_page_is_reported() -> None:
    found = run(message(
        link("https://internal-security-portal.org/verification/access-review"),
        link("https://portail-acces-securise.com/connexion"),
    ))
    hits = [f for f in found if f.code == "links.generic_lure_domain"]
    assert {f.evidence["domain"] for f in hits} == {"internal-security-portal.org", "portail-acces-securise.com"}
    assert all(f.weight == pytest.approx(0.35) for f in hits)
    assert {f.evidence["words"] for f in hits} == {"internal security portal", "portail acces securise"}


@pytest.mark.parametrize("href", [
    "https://secure.example-bank.com/login",  # a brand name in the registrable label
    "https://ateliers-securite.fr/",  # a company name that happens to hold one lure word
    "https://secureportal.net/",  # unsegmented: left alone
    "https://help-center.net/",  # vocabulary, but nothing about accounts or sign-in
    "https://portal.net/",  # one word
    "https://account-security.exemple-industrie.fr/",  # the organisation's own domain
])
def test_ordinary_or_owned_names_are_not_generic_lure_domains(href: str) -> None:
    assert "links.generic_lure_domain" not in codes(run(message(link(href))))


def test_a_relayed_newsletter_tracking_its_own_links_is_faint() -> None:
    """A masking relay delivers a newsletter: the display name shows the list's address, the links go
    through the list's own tracker with partners' names as text. Whoever wrote it gains nothing."""
    tracker = link("https://lists.devnews-weekly.com/t/123/456/", shown="partner-training.com")
    relayed = Finding("sender.display_name_address_mismatch", 0.1, {
        "shown_address": "letters@devnews-weekly.com", "address": "x1@relay.example", "relay": True})
    faint = codes(run(message(tracker, sender="x1@relay.example"), findings=[relayed]))
    assert faint["links.shown_url_mismatch"] <= 0.1
    unrelayed = Finding("sender.display_name_address_mismatch", 0.3, {
        "shown_address": "letters@devnews-weekly.com", "address": "x1@other.example", "relay": False})
    assert codes(run(message(tracker, sender="x1@other.example"), findings=[unrelayed]))[
        "links.shown_url_mismatch"] >= 0.5


def test_a_brand_page_in_front_of_another_domain_is_hard_evidence_even_from_a_trusted_sender() -> None:
    # A known partner's authenticated mailbox linking to "wetransfer-download.<someone else>": what a taken-over
    # vendor account sends. At the hard-evidence weight, the sender's trust no longer damps it (fusion).
    from rempart.engine.fusion import HARD_EVIDENCE

    hit = next(f for f in run(message(link("https://wetransfer-download.fichiers-x.com/d/8841")))
               if f.code == "links.brand_in_subdomain")
    assert hit.weight >= HARD_EVIDENCE


@pytest.mark.parametrize(("href", "body", "expected"), [
    ("https://drive.google.com/file/d/1Lby/view", "Dossier de preuves (archive protégée – mot de passe : LEF2026)",
     "LEF2026"),
    ("https://we.tl/t-8Hk2", "Die Unterlagen liegen bereit. Passwort: Angebot-77", "Angebot-77"),
    ("https://docs.google.com/uc?id=1x", "The password for the archive is Inv2026!", "Inv2026"),
])
def test_a_password_beside_a_file_share_link(href: str, body: str, expected: str) -> None:
    found = run(Message(from_=(Address("", "x@expediteur.example"),), urls=(link(href),), text=body))
    hit = next(f for f in found if f.code == "links.shared_file_password")
    assert hit.evidence["password"] == expected and hit.evidence["host"] == link(href).host


@pytest.mark.parametrize(("href", "body"), [
    ("https://drive.google.com/file/d/1Lby/view", "Voici le dossier, je vous envoie le mot de passe par SMS."),
    ("https://docs.google.com/document/d/1x/edit", "Mot de passe : LEF2026"),  # a document, not a file to download
    ("https://www.example-editeur.fr/download", "Votre mot de passe : Kx9-Lm2"),  # not a sharing service
    ("https://drive.google.com/file/d/1Lby/view", "Code client : 44120"),  # a code, not a password
])
def test_no_password_finding_without_both(href: str, body: str) -> None:
    found = run(Message(from_=(Address("", "x@expediteur.example"),), urls=(link(href),), text=body))
    assert "links.shared_file_password" not in codes(found)


def test_a_link_to_the_senders_own_name_plus_lure_words_elsewhere() -> None:
    """A hijacked or look-alike mailbox sends the reader to a data room named after the sender on another domain."""
    lure = message(link("https://partage.hartmannlevy-docs.fr/edelweiss"), sender="a.levy@hartmann-levy-avocats.fr")
    found = next(f for f in run(lure) if f.code == "links.sender_name_lure_domain")
    assert found.weight >= 0.5 and found.evidence["name"] == "hartmannlevy" and found.evidence["added"] == "docs"
    own = message(link("https://www.hartmann-levy-avocats.fr/docs"), sender="a.levy@hartmann-levy-avocats.fr")
    app = message(link("https://app.kovalis.app/login"), sender="info@kovalis.fr")  # same name, other suffix
    other = message(link("https://partage.dupont-docs.fr/x"), sender="a.levy@hartmann-levy-avocats.fr")
    free = message(link("https://gmailx-docs.com/x"), sender="someone@gmail.com")
    for clean in (own, app, other, free):
        assert "links.sender_name_lure_domain" not in codes(run(clean))



def test_a_onenote_notebook_shared_from_outside_is_where_a_sign_in_link_hides() -> None:
    notebook = link("https://fayolleexpertise-my.sharepoint.com/:o:/g/personal/c_pouzadoux/EkQz7vR1m3lHs0tY8?e=Xc3F1b")
    found = next(f for f in run(message(notebook, sender="no-reply@sharepointonline.com"))
                 if f.code == "links.onenote_notebook")
    assert found.weight == pytest.approx(0.3) and found.evidence["tenant"] == "fayolleexpertise"
    # a document, a sheet or a folder shared the same way is ordinary business
    for kind in ("b", "x", "w", "f"):
        shared = link(f"https://fayolleexpertise-my.sharepoint.com/:{kind}:/g/personal/c_pouzadoux/EkQz7vR1m3lHs0tY8")
        assert "links.onenote_notebook" not in codes(run(message(shared, sender="no-reply@sharepointonline.com")))
    # the organisation's own tenant (named after its domain) is its colleagues' notebook
    own = link("https://exempleindustrie.sharepoint.com/:o:/s/Qualite/EkQz7vR1m3lHs0tY8")
    assert "links.onenote_notebook" not in codes(run(message(own, sender="no-reply@sharepointonline.com")))
