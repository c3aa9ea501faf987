"""Display-name impersonation, lookalike sender domains, Reply-To/Return-Path/Sender divergence and
internal spoofing, on parsed messages and the fictional Exemple Industrie profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.analyzers import auth, sender
from rempart.analyzers.base import Context, Resources
from rempart.config import Config, Limits, config_from_mapping
from rempart.findings import Finding
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).parent.parent / "messages" / "identity"
MX = "mx.exemple-industrie.fr"
PROFILE = {
    "org": {
        "name": "Exemple Industrie",
        "domains": ["exemple-industrie.fr"],
        "vips": [{"name": "Camille Roux", "email": "camille.roux@exemple-industrie.fr", "title": "DG",
                  "aliases": ["Cam Roux"]},
                 {"name": "Monique Pujol", "email": "m.pujol@exemple-industrie.fr", "title": "Présidente (bénévole)",
                  "personal_addresses": ["monique.pujol@orange.example"]},
                 {"name": "Anne-Laure de Saint-Just", "email": "al.desaintjust@exemple-industrie.fr"}],
        "employees": [{"name": "Nicolas Blanc", "email": "nicolas.blanc@exemple-industrie.fr"}],
        "vendors": [{"name": "Logistique Marchand", "domains": ["logistique-marchand.fr"],
                     "contacts": ["l.marchand.compta@orange.fr"]}],
    },
    "auth": {"trusted_authserv_ids": [MX]},
}
CONFIG = config_from_mapping(PROFILE)
RESOURCES = Resources(CONFIG)


def build(sender_header: str, *extra: str, ar: str | None = None) -> bytes:
    lines = []
    if ar is not None:
        lines.append(f"Authentication-Results: {MX}; {ar}")
    lines += [*extra, f"From: {sender_header}", "To: nicolas.blanc@exemple-industrie.fr", "Subject: test",
              "Date: Mon, 16 Nov 2026 10:00:00 +0100", "Message-ID: <t@example.org>",
              "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", "Bonjour.", ""]
    return "\r\n".join(lines).encode("utf-8")


def run(raw: bytes, config: Config = CONFIG, resources: Resources = RESOURCES) -> list[Finding]:
    """auth then sender, in registry order: sender reads auth's published results."""
    message = parse_message(raw, Limits())
    context = Context(config, resources)
    context.findings.extend(auth.analyze(message, context))
    return list(sender.analyze(message, context))


def by_code(findings: list[Finding]) -> dict[str, Finding]:
    return {f.code: f for f in findings}


IMPERSONATION = sender.IMPERSONATION


# --- display-name impersonation ----------------------------------------------------------------


def test_ceo_from_free_mail() -> None:
    found = by_code(run((MESSAGES / "ceo-freemail.eml").read_bytes()))
    vip = found[f"{IMPERSONATION}.vip"]
    assert 0.7 <= vip.weight <= 0.8
    assert vip.evidence["display_name"] == "Camille Roux - DG"
    assert vip.evidence["address"] == "camille.roux.dg@gmail.com"
    assert vip.evidence["target"] == "Camille Roux" and vip.evidence["freemail"] is True
    reply = found["sender.reply_to_divergent"]
    assert reply.weight == pytest.approx(0.4)  # the name of an executive, answers going elsewhere
    assert "sender.freemail" in found


@pytest.mark.parametrize(
    "display",
    ["Camille Roux", "ROUX Camille", "Roux, Camille", "C. Roux", "camille roux (DG)",
     "Camille ROUX | Direction", "Cam Roux", "Саmillе Rоux",  # Cyrillic look-alikes
     "Camille Roux via Exemple", "Anne-Laure de Saint-Just", "A.-L. de Saint-Just", "Camille Roüx"],
)
def test_vip_name_variants(display: str) -> None:
    found = by_code(run(build(f'"{display}" <direction.generale@outlook.example>')))
    assert f"{IMPERSONATION}.vip" in found, display


@pytest.mark.parametrize(
    "display",
    ["Camille", "Roux", "Camille Martin", "Claire Roux", "Roux Transports et Logistique Camille Rivière Sud",
     "Nicolas"],
)
def test_partial_names_are_not_impersonation(display: str) -> None:
    findings = run(build(f'"{display}" <someone@outlook.example>'))
    assert not [f for f in findings if f.code.startswith(IMPERSONATION)], display


def test_a_persons_own_personal_address_is_not_impersonation_unless_forged() -> None:
    """A volunteer chair writes from her own mailbox, which the profile lists; a look-alike of it, or a copy the
    receiving server saw fail authentication, is still her name on someone else's mail."""
    own = '"Monique Pujol" <monique.pujol@orange.example>'
    assert f"{IMPERSONATION}.vip" not in by_code(run(build(own, ar="spf=pass smtp.mailfrom=orange.example; "
                                                              "dkim=pass header.d=orange.example; dmarc=pass")))
    assert f"{IMPERSONATION}.vip" not in by_code(run(build(own)))  # a client export: nothing says it failed
    forged = by_code(run(build(own, ar="spf=fail smtp.mailfrom=orange.example; dkim=none; dmarc=fail "
                                      "header.from=orange.example")))
    assert f"{IMPERSONATION}.vip" in forged
    other = by_code(run(build('"Monique Pujol" <monique.pujol.ca@orange.example>')))
    assert f"{IMPERSONATION}.vip" in other


def test_employee_vendor_brand_and_org_names() -> None:
    found = by_code(run(build('"Nicolas Blanc" <nicolas.blanc.perso@gmail.com>')))
    assert 0.5 <= found[f"{IMPERSONATION}.employee"].weight <= 0.6
    vendor = by_code(run(build('"Logistique Marchand SAS" <compta@lm-factures.example>')))[
        f"{IMPERSONATION}.vendor"]
    assert vendor.weight == pytest.approx(0.4) and vendor.evidence["target"] == "Logistique Marchand"
    brand = by_code(run(build('"PayPal Service Client" <alerte@notif-compte.example>')))[
        f"{IMPERSONATION}.brand"]
    assert brand.weight == pytest.approx(0.4) and brand.evidence["target"] == "PayPal"
    org = by_code(run(build('"Exemple Industrie - Comptabilité" <compta@gmail.com>')))[f"{IMPERSONATION}.org"]
    assert org.evidence["target"] == "Exemple Industrie"


@pytest.mark.parametrize(
    ("display", "target"),
    [
        ("Urssaf Rhône-Alpes", "URSSAF"),  # a distinctive brand name plus a few words
        ("ENGIE Entreprises", "Engie"),
        ("DGFiP — Espace professionnel", "impots.gouv.fr"),
        ("Orange Service Client", "Orange"),  # an everyday-word brand: only with service words
        ("Amazon.fr", "Amazon"),
        ("Hilan from Ledger", "Ledger"),  # someone speaking for an everyday-word brand
        ("Julie de Free", "Free"),
        ("Maersk Line - Invoice Dispute", "Maersk"),  # shipping lines, for logistics companies
        ("MSA d'Armorique - Recouvrement", "MSA"),  # a public body's regional branch: acronym, "de", the place
        ("CAF du Rhône", "CAF"),
    ],
)
def test_brand_names(display: str, target: str) -> None:
    found = by_code(run(build(f'"{display}" <notification@avis-compte.com>')))
    assert found[f"{IMPERSONATION}.brand"].evidence["target"] == target


def test_organisation_known_by_its_domain_name() -> None:
    profile = {**PROFILE, "org": {**PROFILE["org"], "name": "Société des Établissements Exemple SAS"}}
    config = config_from_mapping(profile)
    found = by_code(run(build('"Service paie - Exemple Industrie" <paie.exemple@outlook.fr>'), config,
                        Resources(config)))
    assert found[f"{IMPERSONATION}.org"].evidence["address"] == "paie.exemple@outlook.fr"


@pytest.mark.parametrize(
    "header",
    [
        '"BNP Paribas Entreprises" <noreply@mabanqueentreprise.bnpparibas>',  # a brand TLD
        '"Colissimo" <noreply@notif-colissimo-laposte.info>',
        '"Camille Roux" <camille.roux@exemple-industrie.fr>',  # the real one (auth is judged separately)
        '"Logistique Marchand" <factures@logistique-marchand.fr>',
        '"Logistique Marchand" <l.marchand.compta@orange.fr>',  # a known vendor contact
        '"PayPal" <service@paypal.fr>',
        '"Amazon.fr" <confirmation-commande@amazon.fr>',
        '"Orange" <ne_pas_repondre@orange.fr>',  # the brand's own service address on its mail domain
        '"Microsoft 365" <o365mc@microsoft.com>',
        '"Free Webinar" <events@webinar.example>',  # an everyday word is not the brand "Free"
        '"Orange juice club" <club@juice.example>',
        '"Ledger from Accounts" <ledger@compta.example>',  # the word first, then who: not speaking for Ledger
        '"Tom at Zoom" <tom@zoom.us>',  # speaking for the brand from its own domain
        '"Hapag-Lloyd Customer Service" <noreply@hlag.com>',  # a brand's mail domain that is not its name
        '"Service public" <info@service-public.fr>',
        '"Linus Torvalds" <torvalds@linux-foundation.org>',
        '"MSA Grand Ouest" <contact@msa-grand-ouest.example>',  # an acronym with other words and no "de": a company
        '"CAF de Lyon Basket Club" <club@caf-lyon.example>',  # more than a place after the connector
    ],
)
def test_legitimate_names(header: str) -> None:
    findings = run(build(header))
    assert not [f for f in findings if f.code.startswith(IMPERSONATION)], header


def test_brand_name_from_a_free_mailbox_of_that_brand() -> None:
    found = by_code(run(build('"Orange Service Client" <jean.dupont1987@orange.fr>')))
    assert f"{IMPERSONATION}.brand" in found
    found = by_code(run(build('"Google Security" <google.security.team@gmail.com>')))
    assert found[f"{IMPERSONATION}.brand"].weight == pytest.approx(0.5)


def test_known_person_relayed_by_a_platform_is_weak() -> None:
    found = by_code(run(build('"Camille Roux (via Google Drive)" <drive-shares-dm-noreply@google.com>')))
    vip = found[f"{IMPERSONATION}.vip"]
    assert vip.weight <= 0.2 and vip.evidence["platform"] == "Google"


def test_known_person_relayed_by_a_sharing_platform_that_is_no_brand_is_weak() -> None:
    """Canva, Miro, Calendly… send a share in their user's name from their own address, like Google Drive."""
    found = by_code(run(build('"Camille Roux via Canva" <no-reply@canva.com>')))
    vip = found[f"{IMPERSONATION}.vip"]
    assert vip.weight <= 0.2 and vip.evidence["platform"] == "canva.com"


def test_known_supplier_relayed_for_a_free_mailbox_is_not_weak() -> None:
    """Real DocuSign abused: the platform names the supplier, but the account behind it is free mail."""
    name = '"Logistique Marchand SAS - Comptabilite via Docusign" <dse@eumail.docusign.net>'
    found = by_code(run(build(name, "Reply-To: compta.logistiquemarchand@outlook.be")))
    vendor = found[f"{IMPERSONATION}.vendor"]
    assert vendor.weight == pytest.approx(0.5) and vendor.evidence["account"] == "compta.logistiquemarchand@outlook.be"
    # replies going to the supplier's own domain, or to a contact address the profile lists for it: its own account
    assert f"{IMPERSONATION}.vendor" not in by_code(run(build(name, "Reply-To: compta@logistique-marchand.fr")))
    assert f"{IMPERSONATION}.vendor" not in by_code(run(build(name, "Reply-To: l.marchand.compta@orange.fr")))
    unnamed = by_code(run(build(name)))[f"{IMPERSONATION}.vendor"]  # no Reply-To: the platform's word only
    assert unnamed.weight <= 0.2 and "account" not in unnamed.evidence


def test_company_name_without_legal_form_or_gloss() -> None:
    assert sender.company_tokens("Logis Mosan SCRL (société de logement)") == ("logis", "mosan")
    assert sender.company_tokens("SARL") == ("sarl",)
    # a group's national arm: the country goes when a distinctive core is left
    assert sender.company_tokens("Kaneda Medical France SAS") == ("kaneda", "medical")
    assert sender.company_tokens("Air France") == ("air", "france")


def test_another_national_arm_of_a_vendor_claims_the_vendor() -> None:
    config = config_from_mapping({**PROFILE, "org": {**PROFILE["org"], "vendors": [
        {"name": "Kaneda Medical France SAS", "domains": ["kaneda-medical.fr"]}]}})
    name = '"Kaneda Medical Europe - Contrats via Docusign" <dse@eumail.docusign.net>'
    found = by_code(run(build(name, "Reply-To: contrats.kaneda@outlook.fr"), config, Resources(config)))
    assert found[f"{IMPERSONATION}.vendor"].evidence["account"] == "contrats.kaneda@outlook.fr"


def test_a_title_in_the_profile_does_not_hide_the_person() -> None:
    """"Dr Étienne Marsal" in the profile: "Etienne Marsal" from a stranger claims him, from his own Gmail does not."""
    config = config_from_mapping({**PROFILE, "org": {**PROFILE["org"], "vips": [
        {"name": "Dr Étienne Marsal", "email": "e.marsal@exemple-industrie.fr",
         "personal_addresses": ["etienne.marsal34@gmail.com"]}]}})
    resources = Resources(config)
    assert sender.person_tokens("Dr Étienne Marsal") == ("etienne", "marsal")
    found = by_code(run(build('"Etienne Marsal" <e.marsal.cabinet@gmail.com>'), config, resources))
    assert f"{IMPERSONATION}.vip" in found
    assert f"{IMPERSONATION}.vip" not in by_code(run(build('"Etienne Marsal" <etienne.marsal34@gmail.com>'),
                                                     config, resources))


def test_address_written_in_the_display_name() -> None:
    found = by_code(run(build('"camille.roux@exemple-industrie.fr" <ceo.office@mail-secure.example>')))
    mismatch = found["sender.display_name_address_mismatch"]
    assert mismatch.weight == pytest.approx(0.55)
    assert mismatch.evidence["shown_address"] == "camille.roux@exemple-industrie.fr"
    found = by_code(run(build('"jo@somewhere.example" <x@elsewhere.example>')))
    assert found["sender.display_name_address_mismatch"].weight == pytest.approx(0.35)
    found = by_code(run(build("\"'jo@somewhere.example' via Users\" <users@lists.example>")))
    assert found["sender.display_name_address_mismatch"].weight <= 0.1
    same = by_code(run(build('"a@example.org" <a@example.org>')))
    assert "sender.display_name_address_mismatch" not in same


def test_hidden_and_mixed_script_characters() -> None:
    found = by_code(run(build('"Nicolas\u202eBlanc" <n@example.org>')))
    assert found["sender.display_name_obfuscation"].evidence["characters"] == ["U+202E"]
    found = by_code(run(build('"Саmillе Roux" <c@example.org>')))
    assert "sender.display_name_obfuscation" in found
    assert "sender.display_name_obfuscation" not in by_code(run(build('"Сергей Иванов" <s@example.org>')))
    assert "sender.display_name_obfuscation" not in by_code(run(build('"Team 👩\u200d💻" <s@example.org>')))


# --- lookalike domains --------------------------------------------------------------------------


def test_lookalike_vendor_domain() -> None:
    found = by_code(run((MESSAGES / "vendor-lookalike.eml").read_bytes()))
    lookalike = found["sender.lookalike_domain"]
    assert lookalike.weight >= 0.7
    assert lookalike.evidence["target"] == "logistique-marchand.fr"
    assert lookalike.evidence["technique"] == "homoglyph" and lookalike.evidence["target_kind"] == "vendor"
    # the display name claims the vendor too, from a domain that is not theirs
    assert f"{IMPERSONATION}.vendor" in found


@pytest.mark.parametrize(
    ("address", "technique"),
    [
        ("camille.roux@exemple-lndustrie.fr", "homoglyph"),
        ("camille.roux@exemple-industrie.com", "tld_swap"),
        ("rh@exemple-industrie-login.com", "combosquatting"),
        ("camille.roux@xn--ple-industrie-v3ka6izg.fr", "punycode"),
    ],
)
def test_lookalike_org_domains(address: str, technique: str) -> None:
    lookalike = by_code(run(build(f"Camille Roux <{address}>")))["sender.lookalike_domain"]
    assert lookalike.evidence["technique"] == technique and lookalike.weight == pytest.approx(0.75)


def test_brand_in_subdomain_with_free_mail_reply_to() -> None:
    found = by_code(run((MESSAGES / "brand-subdomain.eml").read_bytes()))
    assert found["sender.lookalike_domain"].evidence["technique"] == "subdomain_abuse"
    assert found["sender.lookalike_domain"].weight == pytest.approx(0.6)
    assert found[f"{IMPERSONATION}.brand"].evidence["target"] == "PayPal"
    assert found["sender.reply_to_divergent"].weight == pytest.approx(0.4)  # free mail behind a company


def test_reply_to_lookalike() -> None:
    found = by_code(run(build("Nicolas Blanc <nicolas.blanc@exemple-industrie.fr>",
                              "Reply-To: nicolas.blanc@exemple-lndustrie.fr")))
    assert found["sender.reply_to_lookalike"].evidence["target"] == "exemple-industrie.fr"


# --- Reply-To, Return-Path, Sender --------------------------------------------------------------


def test_reply_to_divergence_weights() -> None:
    weak = by_code(run(build("News <news@boutique-exemple.fr>", "Reply-To: support@helpdesk-exemple.com")))
    assert 0 < weak["sender.reply_to_divergent"].weight <= 0.1
    same = by_code(run(build("News <news@boutique-exemple.fr>",
                             "Reply-To: support@aide.boutique-exemple.fr")))
    assert "sender.reply_to_divergent" not in same
    vendor = by_code(run(build("Logistique Marchand <factures@logistique-marchand.fr>",
                               "Reply-To: factures.lm@proton.example")))
    assert vendor["sender.reply_to_divergent"].weight == pytest.approx(0.4)
    ours = by_code(run(build("Partner <p@partner.example>", "Reply-To: achats@exemple-industrie.fr")))
    assert "sender.reply_to_divergent" not in ours


def test_return_path_and_sender_are_informational() -> None:
    found = by_code(run(build("Shop <news@boutique-exemple.fr>", "Return-Path: <bounce-123@esp-mailer.com>",
                              "Sender: shop@esp-mailer.com")))
    assert found["sender.return_path_divergent"].weight == 0
    assert found["sender.return_path_divergent"].evidence["return_path_domain"] == "esp-mailer.com"
    assert found["sender.sender_header_divergent"].weight == 0
    same = by_code(run(build("Shop <news@boutique-exemple.fr>",
                             "Return-Path: <bounce@mail.boutique-exemple.fr>")))
    assert "sender.return_path_divergent" not in same


# --- the organisation's own domain ----------------------------------------------------------------


def test_internal_sender_failing_dmarc() -> None:
    found = by_code(run((MESSAGES / "internal-spoof.eml").read_bytes()))
    spoof = found["sender.internal_unauthenticated"]
    assert spoof.weight == pytest.approx(0.7) and spoof.evidence["dmarc"] == "fail"


def test_internal_sender_without_aligned_pass() -> None:
    found = by_code(run(build("Camille Roux <camille.roux@exemple-industrie.fr>",
                              ar="spf=pass smtp.mailfrom=bulk.example.net; dkim=none; dmarc=none")))
    assert "sender.internal_unauthenticated" in found


def test_internal_sender_authenticated_or_unknown() -> None:
    ok = by_code(run(build("Camille Roux <camille.roux@exemple-industrie.fr>",
                           ar="spf=pass smtp.mailfrom=exemple-industrie.fr; dkim=pass "
                              "header.d=exemple-industrie.fr; dmarc=pass header.from=exemple-industrie.fr")))
    assert not [f for f in ok.values() if f.weight > 0]
    unknown = by_code(run(build("Camille Roux <camille.roux@exemple-industrie.fr>")))
    assert unknown["sender.internal_unverifiable"].weight == 0
    assert "sender.internal_unauthenticated" not in unknown


def test_codes_have_catalogue_entries_citing_evidence() -> None:
    from rempart.catalogue import Catalogue

    catalogue = Catalogue.load_shipped()
    for code in sender.CODES:
        assert catalogue.has(code, "en") and catalogue.has(code, "fr"), code
    found = by_code(run((MESSAGES / "ceo-freemail.eml").read_bytes()))
    vip = found[f"{IMPERSONATION}.vip"]
    assert catalogue.text(vip.code, "fr", vip.evidence) == (
        "Le nom affiché « Camille Roux - DG » est celui d'un de vos dirigeants, mais l'adresse "
        "camille.roux.dg@gmail.com n'appartient pas à votre organisation.")


@pytest.mark.parametrize("header", [
    '"Service Colis", jehd <service@envoi-rapide.example>',  # a bare comma splits the name from its address
    '"facturation@fournisseur.example", <relais@autre-domaine.example>',  # two mailboxes, no Sender
    'Equipe Primes, <promo@x.example.>, Equipe Primes, <promo@x.example>',
])
def test_from_line_no_mail_program_writes(header: str) -> None:
    found = by_code(run(build(header)))
    assert found["sender.malformed_from"].weight == pytest.approx(0.35)


@pytest.mark.parametrize("header", [
    '"Roux, Camille" <camille.roux@exemple-industrie.fr>',  # quoted comma: ordinary
    "Nicolas Blanc <nicolas.blanc@exemple-industrie.fr>",
])
def test_well_formed_from_line_is_not_reported(header: str) -> None:
    assert "sender.malformed_from" not in by_code(run(build(header)))


def test_several_from_mailboxes_with_a_sender_header_are_allowed() -> None:
    raw = build("A <a@exemple.example>, B <b@exemple.example>", "Sender: A <a@exemple.example>")
    assert "sender.malformed_from" not in by_code(run(raw))


def test_address_in_display_name_broken_up_by_combining_marks() -> None:
    found = by_code(run(build("customers@services\u073f.\u073famzn\u073f.\u073fcom <info@cable-relay.example>")))
    assert found["sender.display_name_address_mismatch"].evidence["shown_address"] == "customers@services.amzn.com"


@pytest.mark.parametrize("header", [
    "Impots <alerte@impots-id59478>",  # no public suffix
    "Banque <noreply@banque-en-ligne,com>",  # comma for a dot
    "Colis <info@'suivi-colis.fr>",  # stray quote
    "Tresor <avis@9%tresor-public.fr>",
])
def test_from_domain_that_cannot_exist(header: str) -> None:
    found = by_code(run(build(header)))
    assert found["sender.invalid_from_domain"].weight == pytest.approx(0.35)


@pytest.mark.parametrize("header", [
    "Fournisseur <compta@logistique-marchand.fr>", "Anna <a@xn--80ak6aa92e.com>", "Bob <b@mail.example.co.uk>",
    "Stadt <info@münchen.de>", "Doc <doc@exemple.test>",
])
def test_ordinary_from_domains_are_not_judged_invalid(header: str) -> None:
    assert "sender.invalid_from_domain" not in by_code(run(build(header)))


def test_organisations_internal_domain_is_not_judged() -> None:
    cfg = config_from_mapping({**PROFILE, "org": {**PROFILE["org"],
                                                  "domains": ["exemple-industrie.fr", "corp.local"]}})
    found = by_code(run(build("Sauvegarde <backup@srv01.corp.local>"), cfg, Resources(cfg)))
    assert "sender.invalid_from_domain" not in found


def test_tag_characters_splitting_a_display_name() -> None:
    found = by_code(run(build('"L\U000e0139ed\U000e0139ger" <support@wallet-help.example>')))
    assert found["sender.display_name_obfuscation"].evidence["characters"] == ["U+E0139"]
    emoji = by_code(run(build('"Maison \U0001f3e0\ufe0f" <contact@maison.example>')))
    assert "sender.display_name_obfuscation" not in emoji


def test_forwarding_service_writing_the_sender_into_the_display_name_is_weak() -> None:
    found = by_code(run(build('"factures@fournisseur.example [via Relay]" <a1b2c3@mozmail.com>')))
    assert found["sender.display_name_address_mismatch"].weight <= 0.1


# --- a sender domain made of its own display name plus service words -----------------------------

NAME_PLUS_LURE = "sender.name_plus_lure_domain"


@pytest.mark.parametrize(("header", "added"), [
    ("Dashdoc <notifications@dashdoc-app-login.com>", "app login"),
    ("e-dossiers <notification@e-dossiers-portail.com>", "portail"),
    # (e-Attestations itself is a shipped brand now, caught as its look-alike)
    # (a name with accents; Marchés Sécurisés itself is a shipped brand now, caught as its look-alike)
    ("=?utf-8?q?Achats_R=C3=A9gion_Sud?= <notification@achats-region-sud-depot.fr>", "depot"),
    ("Kovalis Support <it@kovalis-connexion-sso.com>", "connexion sso"),  # the name's own service word dropped
    ("Atelier Orbis <compta@espace-client-atelierorbis.fr>", "espace client"),  # the name ends the domain
    ("Ferronnerie Pallas <noreply@ferronnerie-pallas-fr-paiement.com>", "fr paiement"),
])
def test_domain_built_from_the_display_name_plus_lure_words(header: str, added: str) -> None:
    found = by_code(run(build(header)))
    assert found[NAME_PLUS_LURE].weight == sender.NAME_PLUS_LURE
    assert found[NAME_PLUS_LURE].evidence["added"] == added


@pytest.mark.parametrize("header", [
    "=?utf-8?q?March=C3=A9s_S=C3=A9curis=C3=A9s?= <notification@marches-securises.fr>",  # the name is the domain
    "Rouquette Expertise <facturation@rouquette-expertise.fr>",  # what the domain adds is in the name too
    "Atelier Orbis <contact@atelier-orbis-france.fr>",  # a country alone: how subsidiaries are named
    "Atelier Orbis <news@atelierorbis-mail.com>",  # a sending domain
    "Orbis <contact@orbis-services.fr>",  # how a company names its domain when orbis.fr is taken
    "Dashdoc <notifications@dashdoc-app.com>",  # a product domain
    "Lydia <hello@lydia-app.com>",  # a known brand's own domain
    "Logistique Marchand <compta@logistique-marchand-paiement.fr>",  # a vendor's name: its lookalike check decides
    "Paul Martin <paul.martin@martin-conseil.fr>",  # a person's name is not the head of the domain
    "Dashdoc <dashdoc.app@gmail.com>",  # free mail: anyone's
    "Jardin <contact@jardin-bio-livraison.fr>",  # "bio" is no service word: the domain adds a word of its own
])
def test_domains_that_are_not_a_name_plus_lures(header: str) -> None:
    assert NAME_PLUS_LURE not in by_code(run(build(header)))


# --- a sender domain imitating its own display name -----------------------------------------------

NAME_LOOKALIKE = "sender.name_lookalike_domain"
CYRILLIC_O = "\u043e"  # "о", drawn like the Latin "o"; mail carries the domain in its punycode form
PUNYCODE_ORBIS = f"atelier-{CYRILLIC_O}rbis.fr".encode("idna").decode("ascii")


@pytest.mark.parametrize(("header", "word", "written"), [
    ("Nadia Ducret <nadia.ducret@boulangerie-ducrett.ch>", "ducret", "ducrett"),  # a doubled letter
    ("Transports Lemaire - Comptabilité <compta@transports-lernaire.fr>", "lemaire", "lernaire"),  # rn for m
    ("Aquitaine Bureautique <factures@aquitaine-bureautlque.fr>", "bureautique", "bureautlque"),  # l for i
    (f"Atelier Orbis <compta@{PUNYCODE_ORBIS}>", "orbis", f"{CYRILLIC_O}rbis"),
])
def test_domain_imitating_the_display_name(header: str, word: str, written: str) -> None:
    found = by_code(run(build(header)))
    assert found[NAME_LOOKALIKE].weight == sender.NAME_LOOKALIKE
    assert (found[NAME_LOOKALIKE].evidence["word"], found[NAME_LOOKALIKE].evidence["written"]) == (word, written)


@pytest.mark.parametrize("header", [
    "Laura Abbott <laura@labbott.name>",  # an initial and a surname: a personal domain
    "Linus Torvalds <torvalds@linux-foundation.org>",  # another word, not a look-alike of it
    "Nadia Ducret <nadia.ducret@boulangerie-ducret.ch>",  # the name itself
    "Ronan Waide <waider@waider.ie>",
    "Lucca <noreply@ilucca.net>",  # Lucca's real domain: an "i" before the name is no doubled letter
])
def test_domains_that_do_not_imitate_the_display_name(header: str) -> None:
    assert NAME_LOOKALIKE not in by_code(run(build(header)))


def test_jira_notifications_come_from_the_customers_atlassian_site() -> None:
    found = by_code(run(build('"Tomasz Wierzbicki (Jira)" <jira@exemple-industrie.atlassian.net>')))
    assert f"{IMPERSONATION}.brand" not in found
    assert f"{IMPERSONATION}.brand" in by_code(run(build('"Jira" <jira@atlassian-notify.example>')))


def test_a_public_brands_name_under_another_suffix_is_a_reason_to_look_not_evidence() -> None:
    """douane.nl (the Dutch customs), caf.net (a rail manufacturer): a shipped brand's name under another suffix is
    most often someone legitimate. The organisation's own declared brands (its group) keep the full weight."""
    public = by_code(run(build("Douane <info@douane.nl>")))["sender.lookalike_domain"]
    assert public.evidence["technique"] == "tld_swap" and public.weight == pytest.approx(0.3)
    profile = {**PROFILE, "org": {**PROFILE["org"], "brands": [{"name": "Groupe Roux", "domains": ["groupe-roux.fr"]}]}}
    config = config_from_mapping(profile)
    declared = by_code(run(build("Claire Martin <claire.martin@groupe-roux.com>"), config, Resources(config)))
    assert declared["sender.lookalike_domain"].weight == pytest.approx(sender.LOOKALIKE_WEIGHTS["brand"])


# --- no organisation configured: a sender domain imitating a recipient's ------------------------------------

NO_ORG = config_from_mapping({})
NO_ORG_RESOURCES = Resources(NO_ORG)


def _to(sender_header: str, to: str) -> bytes:
    return build(sender_header).replace(b"To: nicolas.blanc@exemple-industrie.fr", f"To: {to}".encode())


@pytest.mark.parametrize(("sender_header", "to", "code", "technique"), [
    ("Marc Roux <marc.roux@maison-cazaiis.fr>", "compta@maison-cazalis.fr", "sender.recipient_lookalike", "homoglyph"),
    ("DRH <drh@riviere-logistiques.com>", "paie@riviere-logistique.com", "sender.recipient_lookalike", "edit_distance"),
    ("Marc Roux <marc.roux@maison-cazalis.com>", "compta@maison-cazalis.fr", "sender.recipient_other_suffix",
     "tld_swap"),
    ("Philippe <philippe@maison-cazalis.fr.ceo-mail.com>", "compta@maison-cazalis.fr", "sender.recipient_lookalike",
     "subdomain_abuse"),
])
def test_a_sender_imitating_the_recipients_domain_when_no_organisation_is_known(
        sender_header: str, to: str, code: str, technique: str) -> None:
    found = by_code(run(_to(sender_header, to), NO_ORG, NO_ORG_RESOURCES))
    assert found[code].evidence["technique"] == technique
    # the explanation names the domain as the reader sees it, "maison-cazalis.fr.ceo-mail.com" in full
    assert found[code].evidence["domain"] == sender_header.rpartition("@")[2].rstrip(">")


@pytest.mark.parametrize(("sender_header", "to"), [
    ("Linus <torvalds@linux-foundation.org>", "ksummit@lists.linuxfoundation.org"),  # hyphens: one foundation
    ("Writer <a@example.net>", "b@example.com"),  # documentation domains are nobody's
    ("Marc <marc.roux@gmail.com>", "marc.roux@gmail.fr"),  # free mail
    ("Marc Roux <marc.roux@maison-cazalis.fr>", "compta@maison-cazalis.fr"),  # the same domain
])
def test_domains_that_do_not_imitate_the_recipients(sender_header: str, to: str) -> None:
    found = by_code(run(_to(sender_header, to), NO_ORG, NO_ORG_RESOURCES))
    assert "sender.recipient_lookalike" not in found and "sender.recipient_other_suffix" not in found


def test_a_configured_organisation_is_judged_by_its_own_domains_only() -> None:
    found = by_code(run(_to("Marc Roux <marc.roux@maison-cazaiis.fr>", "compta@maison-cazalis.fr")))
    assert "sender.recipient_lookalike" not in found


def test_a_gmail_address_written_without_its_dots_is_the_same_mailbox() -> None:
    """Gmail ignores dots and +tags: a known contact's address written either way is that contact's mailbox."""
    from rempart.domains import mailbox_key

    assert mailbox_key("Anne.Rouquette.Blanc+ehpad@gmail.com") == mailbox_key("anne.rouquetteblanc@googlemail.com")
    assert mailbox_key("anne.rouquette.blanc@orange.fr") != mailbox_key("anne.rouquetteblanc@orange.fr")


def test_a_portal_relaying_a_members_message_answers_to_the_member() -> None:
    """SeLoger's lead notice answers to the prospect's Gmail: how the portal works. A Drive share that answers to a
    Gmail address keeps the strong weight: the impostor's way."""
    ar = "spf=pass smtp.mailfrom={d}; dkim=pass header.d={d}; dmarc=pass header.from={d}"
    lead = by_code(run(build('"SeLoger Pro" <contact-pro@seloger.com>', "Reply-To: prospect.exemple@gmail.com",
                             ar=ar.format(d="seloger.com"))))
    assert lead["sender.reply_to_divergent"].weight < 0.1
    share = by_code(run(build('"Google Drive" <drive-shares-dm-noreply@google.com>',
                              "Reply-To: investor.exemple@gmail.com", ar=ar.format(d="google.com"))))
    assert share["sender.reply_to_divergent"].weight >= 0.4


def test_two_brands_of_one_name_each_send_under_it() -> None:
    """"La Poste" is France's and Switzerland's: Swiss Post's own domain sending as "La Poste" impersonates no one;
    a look-alike of either still does."""
    assert not any(f.code.startswith(IMPERSONATION) for f in run(build("La Poste <noreply@notifications.post.ch>")))
    assert f"{IMPERSONATION}.brand" in by_code(run(build("La Poste <suivi@laposte-livraison.example>")))


def test_a_vendor_known_by_its_bracketed_name_too() -> None:
    """"Atelier Roussel (Camille Roussel)": a Drive share in Camille Roussel's name answering to another Gmail is the
    restorer impersonated through the platform; her own listed address is not."""
    restorer = {"name": "Atelier Roussel (Camille Roussel)", "domains": [],
                "contacts": ["camille.roussel.atelier@orange.fr"]}
    config = config_from_mapping({**PROFILE, "org": {**PROFILE["org"], "vendors": [restorer]}})
    resources = Resources(config)
    share = build('"Camille Roussel (via Google Slides)" <drive-shares-dm-noreply@google.com>',
                  "Reply-To: Camille Roussel <atelier.roussel.restauration@gmail.com>")
    found = by_code(run(share, config, resources))
    assert found[f"{IMPERSONATION}.vendor"].evidence["account"] == "atelier.roussel.restauration@gmail.com"
    own = build("Camille Roussel <camille.roussel.atelier@orange.fr>")
    assert not any(f.code.startswith(IMPERSONATION) for f in run(own, config, resources))


def test_government_domain_is_noted_for_rules() -> None:
    """A public body's own suffix (gouv.mc, fed.be) is noted, with no weight, so rules need no list of their own."""
    for header in ("Direction des Affaires Maritimes <dam@gouv.mc>", "SPF Santé <info@health.fed.be>"):
        found = by_code(run(build(header)))
        assert found["sender.government_domain"].weight == 0.0
    assert "sender.government_domain" not in by_code(run(build("Affaires Maritimes <dam@gouv-mc.com>")))


def test_a_customers_vault_on_the_platform_is_a_weak_relay() -> None:
    """'Keldorf QualityDocs' on veevavault.com names the customer whose vault sends: the platform relays it."""
    config = config_from_mapping({**PROFILE, "org": {**PROFILE["org"], "vendors": [
        {"name": "Keldorf Pharma", "domains": ["keldorf-pharma.de"]}]}})
    found = by_code(run(build('"Keldorf Pharma QualityDocs" <no-reply@veevavault.com>'), config, Resources(config)))
    assert found[f"{IMPERSONATION}.vendor"].weight <= 0.2


@pytest.mark.parametrize(("display", "target"), [
    ("Micr0soft Account Team", "Microsoft"), ("PayPaI Service", "PayPal"), ("Netfl1x", "Netflix"),
    ("Amaz0n Prime", "Amazon")])
def test_brand_spelled_with_digits_is_stronger_impersonation(display: str, target: str) -> None:
    found = by_code(run(build(f'"{display}" <notice@mailer-xyz.example>')))[f"{IMPERSONATION}.brand"]
    assert found.evidence["target"] == target and found.evidence["respelled"]
    assert found.weight > sender.IMPERSONATION_WEIGHTS["brand"]


@pytest.mark.parametrize("display", ["B2B Services", "M365 Team", "Win10 Support", "McIntosh Audio", "A320 Parts"])
def test_codes_and_model_numbers_are_not_respelled_names(display: str) -> None:
    assert f"{IMPERSONATION}.brand" not in by_code(run(build(f'"{display}" <notice@mailer-xyz.example>')))


def test_a_brand_writing_from_its_own_domain_is_not_respelled_impersonation() -> None:
    assert not by_code(run(build('"Micr0soft" <x@microsoft.com>'))).get(f"{IMPERSONATION}.brand")


def test_a_public_body_writing_from_another_government_domain_is_itself() -> None:
    """The export-control office's platform mails from finances.gouv.fr, not its own entreprises.gouv.fr: a
    government suffix no one else can register under; the same name on a private domain is still impersonation."""
    assert f"{IMPERSONATION}.brand" not in by_code(run(build("SBDU <egide@finances.gouv.fr>")))
    assert f"{IMPERSONATION}.brand" in by_code(run(build("SBDU <egide@sbdu-egide.example>")))
