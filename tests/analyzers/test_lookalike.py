"""Lookalike domains against the Exemple Industrie profile (fictional) and the shipped brands."""

from __future__ import annotations

import time

import pytest

from rempart.analyzers.base import Resources
from rempart.analyzers.lookalike import (
    brands,
    damerau_levenshtein,
    differing_positions,
    find_lookalike,
    fold_confusables,
    is_keyboard_typo,
    is_mixed_script,
    owner_of,
    skeleton,
)
from rempart.config import config_from_mapping

PROFILE = {
    "org": {
        "name": "Exemple Industrie",
        "domains": ["exemple-industrie.fr"],
        "vips": [{"name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr"}],
        "employees": [{"name": "Nicolas Blanc", "email": "nicolas.blanc@exemple-industrie.fr"}],
        "vendors": [{"name": "Logistique Marchand", "domains": ["logistique-marchand.fr"]}],
        "brands": [{"name": "Atelier Numérique Lumen", "domains": ["lumen-numerique.fr"]}],
    }
}
CYRILLIC = "ехемple-industrie"  # е, х, е, м are Cyrillic
PUNYCODE = "xn--" + CYRILLIC.encode("punycode").decode("ascii")


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources(config_from_mapping(PROFILE))


@pytest.mark.parametrize(
    ("host", "target", "kind", "technique"),
    [
        ("logistique-rnarchand.fr", "logistique-marchand.fr", "vendor", "homoglyph"),
        ("exemple-lndustrie.fr", "exemple-industrie.fr", "org", "homoglyph"),
        ("exemp1e-industrie.fr", "exemple-industrie.fr", "org", "homoglyph"),
        (f"{CYRILLIC}.fr", "exemple-industrie.fr", "org", "mixed_script"),
        (f"{PUNYCODE}.fr", "exemple-industrie.fr", "org", "punycode"),
        ("exemple-industrie-login.com", "exemple-industrie.fr", "org", "combosquatting"),
        ("exemple-industrie.com", "exemple-industrie.fr", "org", "tld_swap"),
        ("exemple-industrie.fr.secure-docs.net", "exemple-industrie.fr", "org", "subdomain_abuse"),
        ("paypal.com.secure-login.xyz", "paypal.com", "brand", "subdomain_abuse"),
        ("paypal.secure-login.xyz", "paypal.com", "brand", "subdomain_abuse"),
        ("secure-paypal-verify.net", "paypal.com", "brand", "combosquatting"),
        ("paypallogin.com", "paypal.com", "brand", "combosquatting"),
        ("ameli-remboursement.com", "ameli.fr", "brand", "combosquatting"),
        ("logistique-marchant.fr", "logistique-marchand.fr", "vendor", "edit_distance"),
        ("logistique-marhcand.fr", "logistique-marchand.fr", "vendor", "edit_distance"),
        ("logistiqie-marchand.fr", "logistique-marchand.fr", "vendor", "keyboard_typo"),
        ("arnazon.fr", "amazon.com", "brand", "homoglyph"),
        ("goggle.com", "google.com", "brand", "edit_distance"),
        ("amazon.xyz", "amazon.com", "brand", "tld_swap"),
        ("0range.fr", "orange.fr", "brand", "homoglyph"),
        ("аррӏе.com", "apple.com", "brand", "homoglyph"),  # whole-script Cyrillic
        ("lumen-numerlque.fr", "lumen-numerique.fr", "brand", "homoglyph"),  # an [[org.brands]] entry
        ("paypal-login.s3.amazonaws.com", "paypal.com", "brand", "combosquatting"),
        ("engie-remboursements.fr", "engie.fr", "brand", "combosquatting"),  # plural lure word
        ("douane-gouv-dedouanement.fr", "douane.gouv.fr", "brand", "combosquatting"),
        ("parking-exempleindustrie.fr", "exemple-industrie.fr", "org", "combosquatting"),  # no hyphen
        ("exempleindustrie.fr", "exemple-industrie.fr", "org", "edit_distance"),
        ("exemple-industrie-paris.fr", "exemple-industrie.fr", "org", "combosquatting"),  # any addition
        ("dgfip-sgc.fr", "impots.gouv.fr", "brand", "combosquatting"),  # a public body: any addition
        ("urssaf-recouvrement.com", "urssaf.fr", "brand", "combosquatting"),  # (lure word too)
        ("wetransfer-download.fichiers-x.com", "wetransfer.com", "brand", "subdomain_abuse"),
        ("ansm-sante-gouv.fr", "ansm.sante.fr", "brand", "combosquatting"),
        ("dgccrf-gouv.fr", "gouv.fr", "brand", "combosquatting"),  # "gouv" outside gouv.fr
        ("portail.service-gouv.com", "gouv.fr", "brand", "combosquatting"),
        ("partners-shopify.agency-access.com", "shopify.com", "brand", "subdomain_abuse"),
        ("ugap-consultations.fr", "ugap.fr", "brand", "combosquatting"),  # procurement wording
        ("we-transfer.download-share.net", "wetransfer.com", "brand", "subdomain_abuse"),  # name with a hyphen
        ("suissetax-estv.ch", "estv.admin.ch", "brand", "combosquatting"),  # a Swiss federal body, any addition
        ("finma-aufsicht.ch", "finma.ch", "brand", "combosquatting"),  # supervisory wording
        ("cnil-conformite.fr", "cnil.fr", "brand", "combosquatting"),  # a fake data-protection audit
        ("anct-subventions.fr", "anct.gouv.fr", "brand", "combosquatting"),  # a fake grant scheme
        ("expediapartnercentral-messages.com", "expediapartnercentral.com", "brand", "combosquatting"),
        ("wetransfer.com-downloads.eu", "wetransfer.com", "brand", "subdomain_abuse"),  # suffix glued by "-"
        ("www.paypal.com-secure.xyz", "paypal.com", "brand", "subdomain_abuse"),
        ("exemple-industrie.fr-docs.net", "exemple-industrie.fr", "org", "subdomain_abuse"),
        ("mazars-audit.fr", "mazars.com", "brand", "combosquatting"),  # a fake auditor's domain
        ("kpmg-conseil.com", "kpmg.com", "brand", "combosquatting"),
        ("mircosoft-login.com", "microsoft.com", "brand", "combosquatting"),  # misspelt beside a lure word
        ("audit-mazrs.fr", "mazars.com", "brand", "combosquatting"),
        ("bnpparibas-netbanking.com", "bnpparibas.com", "brand", "combosquatting"),  # e-banking wording
        ("banque-france-securite.fr", "banque-france.fr", "brand", "combosquatting"),  # a regulator
        ("crnb.fr", "cmb.fr", "brand", "homoglyph"),  # "rn" for "m": short names match by skeleton
    ],
)
def test_lookalikes(resources: Resources, host: str, target: str, kind: str, technique: str) -> None:
    match = find_lookalike(host, resources)
    assert match is not None, host
    assert (match.target_domain, match.target_kind, match.technique) == (target, kind, technique)


@pytest.mark.parametrize(
    "host",
    [
        "exemple-industrie.fr",
        "mail.exemple-industrie.fr",
        "EXEMPLE-INDUSTRIE.FR.",
        "logistique-marchand.fr",
        "extranet.logistique-marchand.fr",
        "paypal.com",
        "www.paypal.fr",
        "amazon.de",
        "amazon.co.jp",  # every country of a global brand is its own
        "google.ru",
        "hotmail.de",
        "ups.com",
        "upsa.fr",  # short brand names: never plain edit distance
        "sfr.fr",
        "free.fr",
        "orange.xyz",  # everyday words only match as exact homoglyph copies
        "free-login.com",
        "grange.fr",
        "caf.fr",
        "cafe.fr",
        "offices.com",
        "paypal-community.com",  # a brand cited without a lure word
        "google-analytics.com",
        "exemple-industrie.sharepoint.com",  # the organisation's own tenant on a platform
        "exemple-industrie-my.sharepoint.com",
        "exemple-industrie.service-now.com",
        "lore.kernel.org",
        "github.com",
        "example.com",
        "foo.gouv.fr",  # under a protected public suffix
        "impots.gouv.fr",
        "192.168.1.10",
        "localhost",
        "",
        "mail.com",  # other free-mail providers are not typos of gmail.com
        "email.com",
        "imail.ru",
        "carnell.com",  # typos are judged on the label as written, not on its skeleton ("camell")
        "deloitte.fr",
        "money.fr",  # "EY" (two letters) is matched exactly only
        "bdo.global",
        "acpr.banque-france.fr",
        "amf-france.org",
        "amazing-offers.com",  # two edits from "amazon"
        "cabinet-audit.fr",
        "gmaill-login.com",  # free-mail providers: exact copies and combinations only
        "scsettings.onmicrosoft.com",  # shared platforms: each subdomain is a customer's
        "exemple-industrie.sharepoint.com",
        "mabanqueentreprise.bnpparibas",  # a brand top-level domain
        "cloud.microsoft",
        "paypal-news.com",  # brands legitimately run "-news" marketing domains: not a lure
        "paypal-community.forum-example.com",  # a brand cited in a subdomain without a lure word
        "exemple-industrie.portal-example.com",  # a tenant named after the customer
        "exemple-industrie.awsapps.com",  # the organisation's AWS sign-in portal (a registrable name per the PSL)
        "exemple-industrie.myshopify.com",  # its shop
        "www.govtech-news.com",  # "gov" inside a word is not the word
        "agriculture.gouv.fr",
        "www.gouvernement.fr",  # the French government's own site, outside gouv.fr
        "apnic.net",  # short registry names with real neighbours: AFNIC, Gandi (randi.org) are exact copies only
        "www.randi.org",
        "paypal.fr-news.example.com",  # a brand name before a hyphenated word that is not its suffix
        "www.tripadvisor.fr",
        "www.estv.admin.ch",
        "apps.expediapartnercentral.com",
    ],
)
def test_not_lookalikes(resources: Resources, host: str) -> None:
    assert find_lookalike(host, resources) is None


def test_match_evidence_and_diff(resources: Resources) -> None:
    match = find_lookalike("compta.logistique-rnarchand.fr", resources)
    assert match is not None
    assert match.host == "compta.logistique-rnarchand.fr"
    assert [match.host[i] for i in match.diff] == ["r", "n"]
    evidence = match.evidence()
    assert evidence["target"] == "logistique-marchand.fr" and evidence["target_name"] == "Logistique Marchand"


def test_punycode_host_is_reported_in_unicode(resources: Resources) -> None:
    match = find_lookalike(f"{PUNYCODE}.fr", resources)
    assert match is not None and match.host == f"{CYRILLIC}.fr"
    assert match.diff == (0, 1, 2, 3)


def test_owner_of(resources: Resources) -> None:
    org = owner_of("mx.exemple-industrie.fr", resources)
    assert org is not None and org.kind == "org"
    vendor = owner_of("logistique-marchand.fr", resources)
    assert vendor is not None and vendor.name == "Logistique Marchand"
    brand = owner_of("docs.google.com", resources)
    assert brand is not None and brand.name == "Google" and brand.brand is not None
    assert owner_of("someone.blogspot.com", resources) is None
    assert owner_of("evil.example", resources) is None


def test_brand_list_covers_the_french_landscape(resources: Resources) -> None:
    names = {b.name for b in brands(resources)}
    assert len(names) >= 80
    for expected in ("Microsoft", "PayPal", "La Poste", "Assurance Maladie", "impots.gouv.fr", "URSSAF",
                     "Crédit Agricole", "Qonto", "OVHcloud", "Atelier Numérique Lumen"):
        assert expected in names


def test_skeleton_and_helpers() -> None:
    assert skeleton("arnazon") == skeleton("amazon")
    assert skeleton("paypa1") == skeleton("paypal")
    assert skeleton("ехемple") == skeleton("exemple")
    assert skeleton("exémple") == skeleton("exemple")
    assert is_mixed_script("ехемple") and not is_mixed_script("exemple") and not is_mixed_script("пример")
    assert fold_confusables("Саmillе RОUX") == "camille roux"
    assert damerau_levenshtein("paypal", "paypla") == 1
    assert damerau_levenshtein("marchand", "marchant") == 1
    assert damerau_levenshtein("abc", "abc") == 0
    assert is_keyboard_typo("paypak", "paypal")  # k is next to l
    assert is_keyboard_typo("qmazon", "amazon")  # AZERTY: a and q swap places
    assert not is_keyboard_typo("paypxl", "paypal")
    assert differing_positions("exemple-lndustrie", "exemple-industrie") == (8,)


def test_fast_enough(resources: Resources) -> None:
    hosts = [f"host{i}-example{i % 7}.com" for i in range(2000)]
    started = time.perf_counter()
    for host in hosts:
        find_lookalike(host, resources)
    per_host = (time.perf_counter() - started) / len(hosts)
    assert per_host < 0.0005, per_host  # fresh hosts; repeated ones hit the per-host cache


def test_the_organisations_name_on_free_hosting_or_dressed_up_on_a_platform_is_still_a_lookalike(
        resources: Resources) -> None:
    for host, technique in (("exemple-industrie.web.app", "tld_swap"),
                            ("exemple-industrie-login.myshopify.com", "combosquatting"),
                            ("paypal.myshopify.com", "tld_swap")):
        found = find_lookalike(host, resources)
        assert found is not None and found.technique == technique, host


def test_two_protected_names_glued_together_are_combosquatting(resources: Resources) -> None:
    for host, target in (("acpr-banquefrance.org", "ACPR"), ("paypal-microsoft.com", "PayPal")):
        found = find_lookalike(host, resources)
        assert found is not None and found.technique == "combosquatting" and found.target_name == target, host
    assert find_lookalike("ups-dhl.com", resources) is None  # names too short to tell from words
    assert find_lookalike("sncf-connect.com", resources) is None  # the owner's own domain
