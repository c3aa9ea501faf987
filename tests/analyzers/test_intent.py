"""The intent analyzer: the pattern language, text reading, bank details and phone numbers on their own,
then whole messages parsed from bytes (tests/messages/intent/, attacks and legitimate look-alikes in
French and English), then the contract with the catalogue and the registry."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.analyzers import intent
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.intent_.banking import find_bics, find_ibans
from rempart.analyzers.intent_.lexicon import Lexicon, LexiconError, compile_phrase, phrase_anchors
from rempart.analyzers.intent_.phones import find_phones
from rempart.analyzers.intent_.resources import load_intent_data
from rempart.analyzers.intent_.text import build_scan_text, detect_language, normalise
from rempart.analyzers.registry import ANALYZERS
from rempart.catalogue import Catalogue
from rempart.config import Config, config_from_mapping
from rempart.engine.fusion import noisy_or
from rempart.findings import Finding
from rempart.message.model import Address, Attachment, Message, Url, UrlOrigin
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).parent.parent / "messages" / "intent"

# Invented organisation; IBANs are valid and belong to no one.
DURAND_IBAN = "FR76 3000 4012 3400 0123 4567 862"
KESSLER_IBAN = "DE89 3704 0044 0532 0130 00"
ROCHE_SALARY_IBAN = "FR76 3000 3012 3400 0999 8887 715"
ORG: dict[str, Any] = {
    "org": {
        "name": "Fonderie Martel",
        "domains": ["fonderie-martel.fr"],
        "vips": [{"name": "Claire Martel", "email": "claire.martel@fonderie-martel.fr"}],
        "employees": [
            {"name": "Julien Roche", "email": "julien.roche@fonderie-martel.fr", "title": "Comptable",
             "ibans": [ROCHE_SALARY_IBAN]},
            {"name": "Sarah Benoit", "email": "sarah.benoit@fonderie-martel.fr", "title": "Paie"},
        ],
        "vendors": [
            {"name": "Transports Durand", "domains": ["transports-durand.fr"], "ibans": [DURAND_IBAN]},
            {"name": "Kessler Stahl GmbH", "domains": ["kessler-stahl.de"], "ibans": [KESSLER_IBAN]},
        ],
    },
}
CONFIG = config_from_mapping(ORG)
RESOURCES = Resources(CONFIG)


def run(message: Message, config: Config | None = None) -> list[Finding]:
    resources = RESOURCES if config is None else Resources(config)
    return list(intent.analyze(message, Context(config or CONFIG, resources)))


def codes(findings: list[Finding]) -> set[str]:
    """Codes that count (weight > 0)."""
    return {f.code for f in findings if f.weight > 0}


def score(findings: list[Finding]) -> float:
    best: dict[str, float] = {}
    for f in findings:
        if f.weight > 0:
            best[f.code] = max(best.get(f.code, 0.0), f.weight)
    return noisy_or(best.values())


def get(findings: list[Finding], code: str) -> Finding:
    return next(f for f in findings if f.code == code)


def text_message(text: str, subject: str = "", sender: str = "", name: str = "", urls: tuple[Url, ...] = (),
                 attachments: tuple[Attachment, ...] = ()) -> Message:
    from_ = (Address(name, sender),) if sender or name else ()
    return Message(subject=subject, text=text, from_=from_, urls=urls, attachments=attachments)


def parsed(name: str) -> Message:
    return parse_message((MESSAGES / name).read_bytes(), CONFIG.limits)


# --- the pattern language ------------------------------------------------------------------------

def matches(phrase: str, text: str) -> bool:
    import re

    return re.search(compile_phrase(phrase) + r"(?!\w)", normalise(text)) is not None


def test_phrase_words_gaps_and_choices() -> None:
    phrase = "mettre a jour (vos|votre|nos)? (coordonnées bancaires|rib)"
    assert matches(phrase, "Merci de mettre à jour\nnos coordonnées bancaires")
    assert matches(phrase, "mettre à jour RIB")
    assert not matches(phrase, "mettre à jour le planning. RIB")
    assert matches("effectuer ~ virement*", "effectuer dès demain un virement")
    assert not matches("effectuer ~1 virement*", "effectuer dès demain un virement")


def test_phrase_optional_letter_question_mark_time_and_hyphen() -> None:
    assert matches("gift cards?", "one gift card") and matches("gift cards?", "five gift cards")
    assert matches("es-tu disponible \\?", "Es-tu disponible ?")
    assert matches("es-tu disponible \\?", "es tu disponible?")
    assert matches("avant #h", "avant 16 h 30") and matches("before #h", "before 5:00 pm")
    assert matches("e-mail", "email") and matches("e-mail", "e-mail")


def test_optional_words_before_a_choice_keep_their_gap() -> None:
    phrase = "(has|is) not (yet )?(been )?(verified|validated)"
    assert matches(phrase, "has not yet been verified") and matches(phrase, "has not been verified")
    assert matches(phrase, "is not validated") and not matches(phrase, "has not yetbeen verified")
    glued = "(online )?casino bonus"
    assert matches(glued, "online casino bonus") and matches(glued, "casino bonus")
    assert compile_phrase("(re)?activate it").startswith("(?:(?:re))?activate")
    # a choice that must match keeps the gap its spaced branch ends with, even after a gap of its own
    chosen = "tentatives (de |d')(fraude|arnaque)"
    assert matches(chosen, "tentatives de fraude") and matches(chosen, "tentatives d'arnaque")
    assert not matches(chosen, "tentatives defraude")


def test_phrase_errors_are_reported() -> None:
    with pytest.raises(LexiconError):
        compile_phrase("(unbalanced")
    with pytest.raises(LexiconError):
        compile_phrase("stray ? mark")
    with pytest.raises(LexiconError):
        compile_phrase("verify (your ~2|the) details")
    with pytest.raises(LexiconError):
        Lexicon({"fr": {"x": ["mot @unknown_list"]}}, {})


def test_anchor_words_are_rare_words_of_the_phrase() -> None:
    common = frozenset({"votre", "ton", "de"})
    anchors = phrase_anchors("(votre|ton) mot de passe expire", common=common)
    assert anchors is not None and len(anchors) == 1 and not anchors & common
    assert phrase_anchors("(verify|re-activate) your account", common=frozenset({"your"})) == {"account"}
    assert phrase_anchors("urgent*") == frozenset({">urgen"})


def test_every_shipped_phrase_compiles_and_has_anchors() -> None:
    data = load_intent_data()
    assert data.lexicon.always == [], [data.lexicon.phrases[i].source for i in data.lexicon.always]
    langs = {p.lang for p in data.lexicon.phrases}
    assert {"fr", "en", "any"} <= langs


# --- reading the text ------------------------------------------------------------------------------

def test_normalise_keeps_offsets_and_plain_punctuation() -> None:
    raw = "Merci d’effectuer le virement\u00a0: MISE À JOUR — «\u202fRIB\u202f» İ"
    norm = normalise(raw)
    assert len(norm) == len(raw)
    assert norm == "merci d'effectuer le virement : mise a jour - \" rib \" i"


def test_quoted_history_is_blanked_but_the_thread_is_noted() -> None:
    body = "Nouveau texte.\n\nLe 20/10/2026 à 10:03, Julien Roche a écrit :\n> merci de payer\n"
    scan = build_scan_text("RE: relevé", body)
    assert "payer" not in scan.norm
    assert scan.in_thread and scan.quoted_chars > 0
    assert len(scan.norm) == len(scan.original)


def test_a_digests_rows_of_held_messages_are_reported_not_read() -> None:
    """A quarantine digest's table, one row per held message (sender's address, subject, action), lists other
    messages' words; two rows or more in a message that names the quarantine are blanked like quoted lines. One row, or
    rows in a message that does not name a quarantine, are read as written."""
    body = ("Les messages ci-dessous ont été placés en quarantaine.\nExpéditeur Objet Action\n"
            "invoice@paiement-express.example Relance facture impayée n° 8812 Libérer\n"
            "noreply@colis-suivi.example Votre colis est en attente - frais de 1,99 € Libérer\n")
    scan = build_scan_text("Résumé de quarantaine", body)
    assert "impayee" not in scan.norm and "colis" not in scan.norm and "quarantaine" in scan.norm
    assert len(scan.norm) == len(scan.original) and scan.quoted_chars > 0
    one_row = body.split("noreply@")[0]
    assert "impayee" in build_scan_text("Résumé de quarantaine", one_row).norm
    no_quarantine = body.replace("placés en quarantaine", "transférés")
    assert "impayee" in build_scan_text("Liste", no_quarantine).norm


def test_a_companys_abbreviated_legal_form_does_not_end_the_sentence() -> None:
    """"Beneficiary: Prairie Seeds Ltd. / IBAN: …" is one wiring block: the period of "Ltd." is read as a space, offsets
    kept, so the phrase's gap reaches the IBAN. A real sentence end still stops it."""
    scan = build_scan_text("", "Beneficiary: Prairie Seeds Ltd.\nIBAN: LT10 3500 0100 1238 4716")
    assert "ltd \niban" in scan.norm and len(scan.norm) == len(scan.original)
    block = "Beneficiary: Prairie Seeds Ltd.\nIBAN: LT10 3500 0100 1238 4716\nBIC: EVIULT2VXXX"
    assert "intent.payment_request" in codes(run(text_message(block)))
    assert "ltd." not in build_scan_text("", "Prairie Seeds Ltd. Thanks.").norm
    assert "we paid. iban" in build_scan_text("", "We paid. IBAN on file.").norm


def test_forwarded_message_is_read() -> None:
    body = ("Julien, can you handle this?\n\n---------- Forwarded message ---------\nFrom: Pam\n"
            "Date: today\n\nPlease process the wire transfer immediately.")
    scan = build_scan_text("Fwd: wire", body)
    assert "wire transfer" in scan.norm and scan.forwarded


def test_language_guess() -> None:
    data = load_intent_data()
    fr = normalise("Bonjour, merci de nous envoyer la facture pour le mois de septembre.")
    en = normalise("Hello, could you please send us the invoice for the month of September?")
    assert detect_language(fr, data.stopwords["fr"], data.stopwords["en"])[0] == "fr"
    assert detect_language(en, data.stopwords["fr"], data.stopwords["en"])[0] == "en"


# --- bank details and phone numbers --------------------------------------------------------------

def test_ibans_with_and_without_spaces_and_following_text() -> None:
    text = f"IBAN : {DURAND_IBAN} BIC BNPAFRPP, ou {KESSLER_IBAN.replace(' ', '')}."
    found = find_ibans(text)
    assert [i.compact for i in found] == [DURAND_IBAN.replace(" ", ""), KESSLER_IBAN.replace(" ", "")]
    assert all(i.valid for i in found)
    assert text[found[0].start: found[0].end] == DURAND_IBAN
    assert find_bics(text) == ["BNPAFRPP"]


def test_invalid_iban_only_reported_in_a_bank_context() -> None:
    bad = "FR76 3000 4012 3400 0123 4567 863"
    assert [i.valid for i in find_ibans(f"Notre IBAN : {bad}")] == [False]
    assert find_ibans(f"Référence {bad.replace(' ', '')}") == []


def test_a_masked_account_in_a_banks_notice_is_no_iban() -> None:
    assert find_ibans("Bénéficiaire : ARMOR CERAM SAS\nIBAN : FR76 1482 XXXX XXXX XXXX 4058 739") == []


def test_phone_numbers_french_and_international_not_inside_ibans() -> None:
    text = "Appelez le 01 84 80 62 17, le +33 6 12 34 56 78, le 0 800 123 456 ou le +1 (888) 555-0199."
    assert [p for p, _, _ in find_phones(text)] == ["01 84 80 62 17", "+33 6 12 34 56 78", "0 800 123 456",
                                                  "+1 (888) 555-0199"]
    iban_text = f"IBAN {DURAND_IBAN}"
    spans = [(i.start, i.end) for i in find_ibans(iban_text)]
    assert find_phones(iban_text, spans) == []


# --- asks and pressure, messages built directly ------------------------------------------------

def test_bank_change_request_in_french_and_english() -> None:
    fr = run(text_message("Bonjour, nos coordonnées bancaires ont changé. Merci de mettre à jour notre RIB."))
    en = run(text_message("Hello, please note our bank details have changed; update our vendor record."))
    assert "intent.bank_detail_change" in codes(fr)
    assert "intent.bank_detail_change" in codes(en)
    assert get(fr, "intent.bank_detail_change").evidence["lang"] == "fr"
    assert get(en, "intent.bank_detail_change").evidence["lang"] == "en"


def test_bank_change_as_a_topic_is_not_a_request() -> None:
    for text in ("En cas de doute sur un changement de RIB, appelez-nous.",
                 "Nos coordonnées bancaires sont inchangées.",
                 "Formation : la fraude au changement de coordonnées bancaires.",
                 "We will never ask you to update your bank details by email.",
                 "To be clear after the fraud attempt: our bank details have NOT changed.",
                 "Je vous confirme que nos coordonnées bancaires n'ont pas changé."):
        assert not codes(run(text_message(text))), text


def test_a_warning_that_describes_what_fraudsters_will_ask_is_not_a_request() -> None:
    text = ("Some of you may receive fake PayPal invoices asking you to call a number to cancel. "
            "Don't call, just delete the email: the people on the phone will try to make you install "
            "remote control software.")
    found = run(text_message(text))
    assert "intent.remote_access_install" not in codes(found) or get(
        found, "intent.remote_access_install").evidence.get("security_warning")


def test_pressure_alone_is_weak_and_combines_with_an_ask() -> None:
    alone = run(text_message("C'est urgent, merci de me répondre aujourd'hui avant 16h."))
    assert codes(alone) <= {"intent.pressure_urgency", "intent.pressure_deadline"}
    assert score(alone) < 0.15
    combined = run(text_message("Peux-tu effectuer un virement urgent aujourd'hui avant 16h ? "
                                "C'est strictement confidentiel."))
    combo = get(combined, "intent.payment_with_pressure")
    assert combo.weight >= 0.4
    assert set(combo.evidence["pressure"]) >= {"urgency", "deadline", "secrecy"}


def test_sign_in_request_weighs_more_with_a_link() -> None:
    text = "Your password expires today. Confirm your credentials within 24 hours to keep your password."
    without = get(run(text_message(text)), "intent.credentials_request")
    link = Url("https://example-login.test/x", UrlOrigin.TEXT, "https", "example-login.test")
    with_link = get(run(text_message(text, urls=(link,))), "intent.credentials_request")
    assert without.evidence["channel"] == "none" and with_link.evidence["channel"] == "link"
    assert with_link.weight > without.weight


def test_a_link_the_text_says_it_gives_counts_as_a_way_to_sign_in() -> None:
    base = "Your password expires today. Confirm your credentials to keep your password"
    offered = get(run(text_message(base + " using the secure link below.")), "intent.credentials_request")
    bare = get(run(text_message(base + " on the intranet.")), "intent.credentials_request")
    warned = get(run(text_message(base + " on the intranet. Do not click the link below.")),
                 "intent.credentials_request")
    fr = get(run(text_message("Votre mot de passe expire. Confirmez vos identifiants via le lien ci-dessous.")),
             "intent.credentials_request")
    assert offered.evidence["channel"] == fr.evidence["channel"] == "link_offered"
    assert bare.evidence["channel"] == warned.evidence["channel"] == "none"
    assert offered.weight > bare.weight


@pytest.mark.parametrize("words", [
    "through the portal linked below.",
    "and follow the embedded link to the validation page.",
    "at [Link: Secure Portal].",
    "here: [link]",
    "- suivez ce lien pour les confirmer.",
    "avec le lien fourni dans ce message.",
])
def test_other_ways_of_saying_a_link_is_given(words: str) -> None:
    base = "Your password expires today. Confirm your credentials " if words[0] != "-" else \
        "Votre mot de passe expire. Confirmez vos identifiants "
    found = get(run(text_message(base + words.lstrip("- "))), "intent.credentials_request")
    assert found.evidence["channel"] == "link_offered"


def test_a_link_on_the_intranet_is_not_a_link_in_the_message() -> None:
    text = ("Your password expires today. Confirm your credentials: go to the intranet and follow the link "
            "labelled 'Account update'.")
    assert get(run(text_message(text)), "intent.credentials_request").evidence["channel"] == "none"


def test_new_bank_details_for_a_direct_debit_the_reader_collects() -> None:
    customer = run(text_message(
        "Bonjour, nous avons changé de banque : vous trouverez notre nouveau RIB en pièce jointe pour "
        "mettre à jour le prélèvement mensuel de vos honoraires. Nous ne vous demandons aucun virement."))
    en = run(text_message("We have switched banks. Please update the direct debit with our new bank details."))
    # A failed debit and a transfer to a new account: money leaves the reader's company, as in vendor fraud.
    lure = run(text_message(
        "Suite à l'échec du prélèvement, merci de régler la facture par virement sur notre nouveau compte."))
    for findings in (customer, en):
        assert "intent.direct_debit" in {f.code for f in findings}
        assert get(findings, "intent.bank_detail_change").weight <= 0.15
    assert "intent.direct_debit" not in {f.code for f in lure}
    assert get(lure, "intent.bank_detail_change").weight >= 0.45


# Other wordings of the same asks (formal and informal French, English), written for these tests:
# what is asked must be found whatever the phrasing, not only in the wording of known messages.
PARAPHRASES: list[tuple[str, str]] = [
    # session 18: a bank's "review" confirmed in its secure area, restrictions held over the reader, a desk to call,
    # registers of the people a business bills or meets, German security warnings
    ("intent.credentials_request", "Merci de valider ces éléments depuis votre espace client avant vendredi."),
    ("intent.credentials_request", "Kindly verify the beneficiary list through your e-banking before Monday."),
    ("intent.pressure_threat", "Faute de retour, nous serions contraints de suspendre vos virements internationaux."),
    ("intent.pressure_threat", "Otherwise we will be obliged to freeze all outgoing transfers pending review."),
    ("intent.callback_request", "The account holder must contact our fraud prevention unit on 020 7946 0000."),
    ("intent.callback_request", "Nous ne sommes pas en mesure de traiter votre demande par courriel."),
    ("intent.personal_data_request", "Envoyez-nous l'extraction intégrale des locataires au format Excel."),
    ("intent.personal_data_request", "Could you share the list of delegates registered so far, with the e-mail address"
     " of each?"),
    ("intent.personal_data_request", "Please send the complete KYC files for your two largest clients."),
    ("intent.security_warning", "Achtung: betrügerische E-Mails im Namen unserer Bank sind im Umlauf."),
    ("intent.bank_detail_change", "We are switching our receivables account from Rabobank to ING next month."),
    ("intent.bank_detail_change", "Accounts asked us to redirect your remittances to our alternate account at"
     " Wise from now on."),
    ("intent.bank_detail_change", "Kindly do not use the bank account shown on the invoice; the new details follow."),
    ("intent.bank_detail_change", "Future instalments are now to be paid to our account with Revolut rather than"
     " the account on file."),
    ("intent.credentials_request", "Merci de vous reconnecter sur l'extranet fournisseurs pour régulariser votre"
     " dossier."),
    ("intent.pressure_threat", "Dans l'attente de votre justificatif, le remboursement restera bloqué."),
    ("intent.bank_detail_change", "Il nostro conto presso Credem è in corso di chiusura, quindi il saldo andrà versato"
     " sul nuovo conto presso BPER."),
    ("intent.mfa_code_request", "Demain matin, vous recevrez plusieurs notifications Microsoft Authenticator. Merci de"
     " les valider une à une."),
    ("intent.fee_payment", "You would then forward the moving company's portion to them once the funds are"
     " received."),
    ("intent.pressure_threat", "À défaut, une taxation d'office sera prononcée."),
    ("intent.channel_change", "Our booking platform is down today, so please send the order to my email address."),
    ("intent.pressure_secrecy", "Inutile de prévenir la comptabilité, je m'en occupe."),
    # session 16, fourth wave: Spanish refunds to another account, goods diverted (ES, DE, EN), portal log-ins
    ("intent.payment_request", "Os rogamos que nos devolváis el importe duplicado cuanto antes."),
    ("intent.bank_detail_change", "Haced el ingreso a nuestra cuenta de Bankinter y no a la de siempre, que está en"
     " proceso de cierre."),
    ("intent.goods_diversion", "La mercancía irá a nuestro almacén de tránsito en Irún."),
    ("intent.goods_diversion", "Die Ware geht diesmal nicht nach Köln, sondern an unser neues Lager in Venlo."),
    ("intent.goods_diversion", "This PO was issued off-system and will not show in Ariba until next week."),
    ("intent.credentials_request", "Please log in to upload the requested documents before Friday."),
    ("intent.pressure_threat", "Failure to reply within 10 days will result in your certificate being withdrawn."),
    ("intent.pressure_secrecy", "Inutile de mettre Sophie en copie, elle est en congé."),
    ("intent.fee_payment", "Could you pay that amount to the transport operator by bank transfer on our behalf?"),
    ("intent.bank_detail_change", "From next season all deposits will be now paid into a separate client account."),
    ("intent.bank_detail_change", "The IBAN given on the invoice is now used only for sundry charges."),
    ("intent.bank_detail_change", "Could you refund the overpaid 2,400 euros by transfer to our logistics partner?"),
    # session 16, second wave: fees to settle, a sector portal, SSO through the mailbox, a German account closed,
    # a retailer's order delivered outside the usual channel, a deposit's bank details promised
    ("intent.payment_request", "Le paiement de votre cotisation annuelle au registre doit être effectué en ligne"
     " avant le 15 décembre."),
    ("intent.payment_request", "Merci de régler les droits d'inscription par carte bancaire."),
    ("intent.credentials_request", "Veuillez vous connecter à votre espace fournisseur pour vérifier vos coordonnées."),
    ("intent.credentials_request", "L'accès se fait désormais par l'authentification de votre compte Microsoft."),
    ("intent.credentials_request", "Vos anciens identifiants ne sont plus valides depuis la migration."),
    ("intent.bank_detail_change", "Bitte verwenden Sie ab sofort die folgende Bankverbindung für alle Zahlungen."),
    ("intent.bank_detail_change", "Bitte die Rechnung auf unser neues Konto zu überweisen."),
    ("intent.payment_request", "Wir bitten um Rückerstattung des doppelt gezahlten Betrags bis Monatsende."),
    ("intent.goods_diversion", "La marchandise partira hors circuit de distribution habituel, via notre logisticien."),
    ("intent.payment_request", "Dès confirmation nous vous enverrons le devis et notre RIB pour le règlement de"
     " l'acompte."),
    # session 16: a pass-through payment, a moved payee account, an old account's payments bounced, a goods
    # destination dropped, secrecy kept "within the team" or until delivery
    ("intent.fee_payment", "Our bank lets us make one transfer, so we will include the caterer's fees in our payment"
     " to you."),
    ("intent.fee_payment", "We will wire the total amount including their fees; please pay their share to them"
     " once the funds arrive."),
    ("intent.fee_payment", "J'ajouterai les frais du traiteur à mon virement, vous n'aurez qu'à leur reverser"
     " leur part dès réception."),
    ("intent.bank_detail_change", "From December, all open invoices must now be paid to the account of our Dutch"
     " subsidiary."),
    ("intent.bank_detail_change", "Transfers sent to our former Barclays account will be rejected by the bank."),
    ("intent.bank_detail_change", "Les virements envoyés sur notre ancien compte seront rejetés à partir de lundi."),
    ("intent.payment_request", "Could you arrange the following transfer before noon?"),
    ("intent.payment_request", "Le solde de la prestation est à régler avant le 30 novembre."),
    ("intent.goods_diversion", "Please no longer ship to our Lyon warehouse for the next orders."),
    ("intent.goods_diversion", "Merci de ne plus livrer à notre entrepôt de Vénissieux à compter de lundi."),
    ("intent.pressure_secrecy", "Please keep this information within your department until the announcement."),
    ("intent.pressure_secrecy", "Merci de garder cette information au sein de votre équipe pour le moment."),
    ("intent.pressure_secrecy", "She would like it dealt with quietly and the board is not informed until signing."),
    # overpayment refunds: the difference sent back, to a third party's account (round 53)
    ("intent.payment_request", "Our finance director has asked that the difference be refunded as soon as possible."),
    ("intent.bank_detail_change", "The excess should be refunded directly to our client's account in Dublin."),
    ("intent.bank_detail_change", "Our own operating account is being migrated to our new group treasury."),
    ("intent.payment_request", "Nous vous remercions de faire en sorte que le trop-perçu soit remboursé rapidement."),
    ("intent.bank_detail_change", "La somme doit être remboursée directement sur le compte de notre filiale."),
    ("intent.bank_detail_change", "Merci d'effectuer le remboursement sur notre compte dédié aux régularisations."),
    ("intent.credentials_request", "L'accès au document nécessite une vérification avec votre compte Microsoft 365."),
    ("intent.mfa_code_request", "Les dispositifs d'authentification enregistrés avant janvier doivent être réassociés"
     " à votre abonnement : https://banque-exemple.example/reassociation"),
    ("intent.bank_detail_change", "The Barclays client account should no longer be used for this placement."),
    ("intent.bank_detail_change", "Since 1 November, premiums are collected through our EU premium trust account."),
    ("intent.payment_request", "Underwriters have asked that it be settled by Friday 27 November."),
    ("intent.bank_detail_change", "Notre ancien compte à la BNP ne doit plus être utilisé pour vos règlements."),
    ("intent.payment_request", "Would it be possible to return the difference of €22,500 to my account?"),
    ("intent.bank_detail_change", "I have since moved most of my banking to Spain, so please use my account there."),
    ("intent.goods_diversion", "Pour des raisons d'organisation du chantier, la livraison devra être effectuée sur"
     " notre plateforme logistique temporaire, cellule 4, à Wambrechies."),
    ("intent.bank_detail_change",
     "Pour des raisons de restructuration, nos encaissements transitent désormais par un compte ouvert à la BNP."),
    ("intent.bank_detail_change", "Nos coordonnées bancaires évoluent à compter du 1er décembre."),
    ("intent.bank_detail_change", "Veuillez prendre note du changement de domiciliation bancaire de notre société."),
    ("intent.bank_detail_change", "Le RIB joint annule et remplace le précédent."),
    ("intent.bank_detail_change",
     "Notre compte habituel fait actuellement l'objet d'un contrôle, merci d'utiliser ce compte."),
    ("intent.bank_detail_change", "Merci de verser l'acompte sur un compte provisoire dont voici l'IBAN."),
    ("intent.bank_detail_change", "We have modified our receiving bank details following the merger."),
    ("intent.bank_detail_change", "Our usual account can no longer receive payments; kindly remit to the one below."),
    ("intent.bank_detail_change", "Please send the funds to our temporary collection account."),
    ("intent.payment_request", "Comme convenu au téléphone, voici les coordonnées pour le virement de l'acompte."),
    ("intent.payment_request", "As discussed on the phone, here are the wiring instructions for the deposit."),
    ("intent.payment_request", "Je vous saurais gré de procéder au virement dans la journée."),
    ("intent.payment_request", "Could you please remit it to the account below?"),
    ("intent.payment_request", "Il faudrait que ça parte demain matin au plus tard, il attend les fonds."),
    ("intent.bank_detail_change", "Son compte habituel est bloqué, voici le RIB d'un compte qu'il vient d'ouvrir."),
    ("intent.credentials_request", "Chaque utilisateur doit réactiver son compte avant le 30 septembre."),
    ("intent.credentials_request", "Vos identifiants actuels vous seront demandés une dernière fois."),
    ("intent.pressure_secrecy", "Ne l'appelle pas pour l'instant, je lui ai dit qu'on s'occupait de tout."),
    ("intent.channel_change", "Je t'écris depuis ma nouvelle adresse, utilise celle-ci désormais."),
    ("intent.channel_change", "I'm writing from my personal email; please use this email address from now on."),
    ("intent.channel_change", "Te escribo desde nuestra nueva dirección: a partir de ahora utiliza esta."),
    ("intent.channel_change", "Passons sur WhatsApp, ce sera plus simple pour la suite."),
    ("intent.availability_check", "Pouvez-vous m'envoyer votre numéro de portable ? Je vous écrirai sur WhatsApp."),
    ("intent.bank_detail_change",
     "Notre expert-comptable nous a conseillé de faire transiter les encaissements par notre compte secondaire."),
    ("intent.bank_detail_change", "Nos encaissements clients sont désormais centralisés sur un compte dédié."),
    ("intent.bank_detail_change", "Notre compte CIC est actuellement bloqué le temps de la mise à jour KYC."),
    ("intent.bank_detail_change", "Refunds must be sent to the euro collection account operated by our treasury."),
    ("intent.payment_request", "We kindly ask you to refund this amount by bank transfer before the year-end."),
    ("intent.fee_payment", "We would need your firm to receive the funds on your CARPA account and remit them to us."),
    ("intent.bank_detail_change", "Please find attached our updated settlement instructions for the proceeds."),
    ("intent.bank_detail_change", "All refunds are now centralised on the group's EUR collection account."),
    ("intent.credentials_request", "Le dossier est accessible avec votre compte Microsoft professionnel."),
    ("intent.credentials_request",
     "Pour lire la lettre, identifiez-vous avec votre adresse et le mot de passe de votre boîte mail."),
    ("intent.payment_request", "Pouvez-vous faire suivre la facture au service comptable pour un règlement rapide ?"),
    ("intent.goods_diversion", "Merci de modifier le lieu de livraison : notre transitaire passera chez vous lundi."),
    ("intent.payroll_diversion",
     "J'ai ouvert un compte dans une banque en ligne et je voudrais que mon salaire de décembre soit versé dessus."),
    ("intent.fee_payment", "The seller only covers the notarization fees of the export contract, EUR 1,600."),
    ("intent.fee_payment", "Les frais de notarisation du contrat sont à la charge du fournisseur (1 850 €)."),
    ("intent.goods_diversion", "Please ship it to our temporary warehouse; our own haulage partner will collect."),
    ("intent.goods_diversion", "Given the volume, could we raise our credit limit for this shipment?"),
    ("intent.goods_diversion", "Die Ware wird von unserer Spedition direkt bei Ihnen abgeholt."),
    ("intent.pressure_secrecy", "Je suis en déplacement, merci de me répondre uniquement par mail."),
    ("intent.pressure_secrecy", "I'm travelling all week, please reply only by email."),
    ("intent.pressure_threat", "Merci de régler sous huit jours afin d'éviter toute interruption des livraisons."),
    ("intent.credentials_request", "Please confirm your account details to keep receiving mail."),
    ("intent.credentials_request", "Si vous n'avez pas encore de mot de passe, utilisez celui de votre messagerie."),
    ("intent.credentials_request", "Saisissez le même mot de passe que votre boîte mail pour continuer."),
    ("intent.credentials_request", "Merci de vous connecter pour accepter ou refuser la substitution."),
    ("intent.credentials_request", "Sign in with the same password as your work email account."),
    ("intent.personal_data_request", "Pour conserver vos alertes, mettez à jour votre moyen de paiement avant le 23."),
    ("intent.availability_check", "Can you help me out with this? Please let me know if you have a moment."),
    ("intent.availability_check", "Dites-moi si vous avez un moment, pouvez-vous m'aider rapidement ?"),
    ("intent.pressure_authority", "Votre président m'a demandé de prendre contact avec vous."),
    ("intent.payment_request", "Je vous remercie de bien vouloir virer le dépôt de garantie sur le compte séquestre."),
    ("intent.pressure_threat", "Please pay the outstanding balance today to avoid service interruption."),
    ("intent.personal_data_request", "Please upload your W-9 and banking information through our vendor portal."),
    ("intent.pressure_threat", "Merci de régler sous huitaine pour éviter une majoration."),
    ("intent.availability_check", "Pouvez-vous me communiquer votre numéro de portable ?"),
    ("intent.mfa_code_request", "Retournez-moi le formulaire signé, accompagné du code que vous recevrez par SMS."),
    ("intent.bank_detail_change", "On s'est trompé de RIB sur la facture, c'est l'ancien compte qui est en cours de"
                                  " fermeture."),
    ("intent.bank_detail_change", "La direction financière a décidé de regrouper les encaissements sur un compte"
                                  " dédié ; merci de tenir compte de ce nouveau compte."),
    ("intent.bank_detail_change", "The fee note was issued with the account we are closing; please use the details"
                                  " below instead."),
    ("intent.bank_detail_change", "Vos règlements devront désormais être effectués exclusivement sur le compte"
                                  " suivant."),
    ("intent.bank_detail_change", "Pourriez-vous enregistrer les nouvelles coordonnées ci-dessous ? L'ancien RIB ne"
                                  " doit plus être utilisé."),
    ("intent.bank_detail_change", "La domiciliation bancaire de notre société change à compter de ce jour."),
    ("intent.bank_detail_change", "Le paiement libératoire doit être effectué au profit du factor."),
    ("intent.mfa_code_request", "Start the session from the link below and read me the 6-digit code when I call back."),
    ("intent.credentials_request", "Reconnecte-toi pour voir le fichier partagé."),
    ("intent.credentials_request", "Saisissez votre adresse e-mail et votre mot de passe pour accéder au document."),
    ("intent.remote_access_install", "Je vais prendre la main sur votre poste pour corriger le problème."),
    ("intent.open_document_request", "Je vous partage le planning des enlèvements du mois d'août : <lien>"),
    ("intent.open_document_request", "L'avis de virement est disponible ici."),
    ("intent.bank_detail_change", "Notre compte chez LCL est en cours de migration et il ne peut plus recevoir de"
                                  " paiements pour le moment."),
    ("intent.bank_detail_change", "Merci d'utiliser uniquement le compte de notre maison mère indiqué ci-dessous."),
    ("intent.fee_payment", "Les droits de succession restent à la charge du légataire et doivent être réglés avant"
                           " la délivrance."),
    ("intent.fee_payment", "Le déblocage de votre prêt nécessite le versement préalable des frais d'assurance."),
    ("intent.fee_payment", "To complete the release of your inheritance, a processing fee of EUR 850 is required."),
    ("intent.fee_payment", "A small fee must be paid prior to the transfer of the funds to your account."),
    ("intent.fee_payment", "La banque demande une consignation des frais de dossier avant le déblocage des fonds"
                           " de la succession."),
    ("intent.pressure_threat", "Un virement sur l'ancien compte pourrait vous exposer à des pénalités de retard."),
    ("intent.callback_request", "Merci d'appeler sans attendre notre cellule d'intervention au 01 84 60 27 15."),
    ("intent.mfa_code_request", "Vous allez recevoir un SMS de Microsoft avec un code à 6 chiffres. Merci de me le"
                                " renvoyer dès réception."),
    ("intent.mfa_code_request", "You will get a text message with a verification code shortly. Please forward it to"
                                " me as soon as it arrives."),
    ("intent.remote_access_install", "Un technicien contrôlera votre ordinateur avec vous à distance."),
    ("intent.remote_access_install", "Our technician will inspect your laptop remotely during the call."),
    ("intent.pressure_secrecy", "Inutile de prévenir votre service informatique, l'incident est déjà suivi."),
    ("intent.pressure_secrecy", "There is no need to inform your IT department; we are already handling it."),
    ("intent.pressure_threat", "Sans règlement, votre adhésion sera suspendue le 15 octobre."),
    ("intent.credentials_request", "Il vous sera demandé de vous identifier avec votre adresse professionnelle pour"
                                   " ouvrir le dossier."),
    ("intent.payment_request", "Le virement doit impérativement partir avant 15 h."),
    ("intent.pressure_secrecy", "Je suis injoignable par téléphone : tiens-moi informé par mail uniquement."),
    ("intent.pressure_secrecy", "Et toujours aucune communication en interne sur ce dossier."),
    ("intent.payment_request", "Sans paiement avant le 24 avril, votre nom de domaine sera suspendu."),
    ("intent.pressure_threat", "Sans paiement avant le 24 avril, votre nom de domaine sera suspendu."),
    ("intent.pressure_threat", "Without payment by Friday your domain will be suspended."),
    ("intent.personal_data_request", "Merci de nous transmettre l'extraction complète des fournisseurs avec leurs"
                                     " IBAN."),
    ("intent.personal_data_request", "Please send the list of all vendors with their bank details and contacts."),
    ("intent.pressure_secrecy", "Il est informé, inutile de le mettre en copie."),
    ("intent.pressure_threat", "Without payment your coverage will be suspended on 15 October."),
    ("intent.pressure_threat", "Sans règlement sous huit jours, le dossier sera transmis à notre service contentieux."),
    ("intent.credentials_request", "Merci de vous connecter à votre espace avec vos identifiants habituels."),
    ("intent.bank_detail_change", "Merci d'effectuer vos prochains règlements sur notre compte de transition"
                                  " ci-dessous."),
    ("intent.bank_detail_change", "Notre ancien compte au Crédit Agricole est désormais clôturé ; merci de ne plus"
                                  " l'utiliser."),
    ("intent.credentials_request", "Connectez-vous au Guichet Numérique des Autorisations d'Urbanisme avec l'adresse"
                                   " e-mail utilisée lors du dépôt."),
    ("intent.open_document_request", "Por favor revise y firme la confirmación en nuestro portal seguro antes del"
                                     " viernes."),
    ("intent.open_document_request", "La proforma está disponible para su firma en nuestro portal."),
    ("intent.open_document_request", "La preghiamo di verificare e firmare la conferma sul nostro portale sicuro."),
    ("intent.open_document_request", "La pediatra ci ha preparato un documento con l'elenco dei prodotti, lo trovate"
                                     " qui: https://drive.example/f/1"),
    ("intent.open_document_request", "Le hemos preparado un documento con las instrucciones, lo encontrará aquí."),
    ("intent.desktop_only_file", "C'est un .zip assez lourd : il faut l'ouvrir depuis un ordinateur, ça ne passe pas"
                                 " sur mobile."),
    ("intent.desktop_only_file", "Le dossier ne s'ouvre pas sur les smartphones."),
    ("intent.desktop_only_file", "Ouvrez-le depuis votre ordinateur et non depuis votre téléphone."),
    ("intent.desktop_only_file", "Le lecteur est incompatible avec les mobiles."),
    ("intent.desktop_only_file", "The brief is a large archive and won't open on a phone."),
    ("intent.desktop_only_file", "The presentation must be opened on a Windows PC."),
    ("intent.desktop_only_file", "Please download it on your laptop rather than your phone."),
    ("intent.desktop_only_file", "The viewer is not supported on mobile devices."),
    # MFA fatigue: the prompts announced, then the ask to approve them, in the next sentence
    ("intent.mfa_code_request", "Pendant cette fenêtre, vous allez recevoir sur votre téléphone plusieurs notifications"
                                " Microsoft Authenticator. C'est normal : merci de les approuver toutes."),
    ("intent.mfa_code_request", "Vous allez recevoir une ou plusieurs invites Google « Essayez-vous de vous"
                                " connecter ? ». Merci de répondre « Oui, c'est moi » à chaque demande."),
    ("intent.mfa_code_request", "During the window you will receive 2 to 3 Microsoft Authenticator sign-in requests."
                                " Please approve them, they come from our migration console."),
    ("intent.mfa_code_request", "Répondez simplement à ce message avec le nombre affiché à l'écran."),
    ("intent.mfa_code_request", "Vous recevrez sur votre téléphone une ou plusieurs demandes de connexion. Merci"
                                " d'approuver toutes les notifications, même si plusieurs arrivent d'affilée."),
    ("intent.mfa_code_request", "Vous allez recevoir plusieurs notifications « Essayez-vous de vous connecter ? »."
                                " Merci d'appuyer sur « Oui, c'est moi » à chaque fois."),
    ("intent.mfa_code_request", "Si Google vous affiche un nombre, répondez simplement à ce mail avec ce nombre."),
    ("intent.mfa_code_request", "You will receive several sign-in prompts tonight. Please approve all of them."),
    ("intent.mfa_code_request", "Sélectionnez le numéro qui vous sera communiqué par notre technicien."),
    ("intent.mfa_code_request", "Our engineer will call you at 18:00 to give you the number to enter."),
    # call-back scams: the charge disputed only by phone
    ("intent.callback_request", "If these uplifts were NOT coordinated by your team, please call our Release Security"
                                " desk on +44 20 3868 4157."),
    ("intent.callback_request", "Contactez notre service facturation au +41 22 508 71 93."),
    ("intent.callback_request", "Pour des raisons de sécurité, les annulations ne peuvent pas être traitées par"
                                " e-mail."),
    ("intent.callback_request", "Cancellations cannot be processed by email; call +1 808 555 0199."),
    # bank changes in Spanish and Catalan, and a usual account "under review"
    ("intent.bank_detail_change", "Nuevos datos bancarios: Titular: Embotits SA."),
    ("intent.bank_detail_change", "Los cobros de clientes extranjeros se centralizan a partir de hoy en una nueva"
                                  " cuenta."),
    ("intent.bank_detail_change", "Para este pago y los siguientes, hasta nuevo aviso, utilice los siguientes datos."),
    ("intent.bank_detail_change", "No utilice la cuenta habitual de Abanca para este pago."),
    ("intent.bank_detail_change", "Efectúen la transferencia a la cuenta que utilizamos ahora para exportación."),
    ("intent.bank_detail_change", "Les bestretes de campanya s'ingressen al compte auxiliar de la cooperativa."),
    ("intent.bank_detail_change", "Notre compte au Crédit Agricole fait actuellement l'objet d'une revue."),
    ("intent.bank_detail_change", "Merci de faire transiter les règlements clients par notre compte secondaire."),
    ("intent.payroll_diversion", "Us aviso que he canviat de banc: la nòmina, al compte nou si us plau."),
    ("intent.payment_request", "Quan ho tingueu fet, feu la transferència de la bestreta avui mateix."),
    ("intent.goods_diversion", "Voici notre commande de fin d'année, à livrer exceptionnellement au dépôt (et non rue"
                               " d'Alsace-Lorraine)."),
    ("intent.goods_diversion", "Merci de livrer la commande à notre nouveau dépôt de Fenouillet."),
    ("intent.bank_detail_change", "Die Geschäftsführung hat entschieden, die offenen Posten über unser Zweitkonto"
                                  " abzuwickeln."),
    ("intent.bank_detail_change", "Bitte überweisen Sie ausnahmsweise auf folgende Bankverbindung."),
    ("intent.bank_detail_change", "Unser Geschäftskonto bei der Sparkasse ist bis zum Jahresende nur eingeschränkt"
                                  " verfügbar."),
    ("intent.payroll_diversion", "Mudei de banco este mês. Queria que o ordenado de novembro já fosse pago na conta"
                                 " nova."),
    ("intent.goods_diversion", "Lieferadresse (Interimslager Erweiterungsbau, Abwicklung durch unseren"
                               " Logistikdienstleister): c/o MedLog Warehousing, Venlo."),
    ("intent.personal_data_request", "Pourriez-vous m'envoyer un export Excel avec, pour chaque salarié : nom, date de"
                                     " naissance, n° de sécurité sociale et IBAN ?"),
    ("intent.personal_data_request", "Please send me the investor register with, for each investor, the commitment and"
                                     " the bank account used for distributions."),
    ("intent.pressure_secrecy", "No need to involve Philippe at this stage."),
    ("intent.credentials_request", "Connexion avec les identifiants de votre messagerie professionnelle ou via"
                                   " FranceConnect."),
    ("intent.credentials_request", "Sign in with your work email credentials to download the file."),
    ("intent.bank_detail_change", "Serait-il possible de nous reverser directement la différence sur le compte de notre"
                                  " maison mère ?"),
    ("intent.pressure_secrecy", "Merci de me l'envoyer directement en réponse et sans mot de passe."),
]


@pytest.mark.parametrize("text", [
    "Conformément à l'article L441-10 du Code de commerce, tout retard de paiement entraîne l'application de"
    " pénalités de retard et d'une indemnité forfaitaire pour frais de recouvrement de 40 €.",
    "Le document est dans SharePoint > Contentieux > SCI Verlaine > Procédure.",
])
def test_legal_mentions_and_department_names_are_no_threat(text: str) -> None:
    assert "intent.pressure_threat" not in codes(run(text_message(text)))


def test_prompts_announced_without_the_ask_to_approve_them_or_with_a_no_are_no_mfa_ask() -> None:
    for text in ("Vous allez recevoir une notification Microsoft Authenticator lors de votre prochaine connexion.",
                 "Si vous recevez une notification Authenticator que vous n'avez pas demandée, ne l'approuvez pas.",
                 "You may receive Authenticator sign-in requests you did not start. Never approve them; report them.",
                 "Vous allez recevoir des notifications Authenticator que vous n'avez pas initiées : ne les approuvez"
                 " surtout pas et appelez le support.",
                 "Le devis de la menuiserie est en pièce jointe. Peux-tu l'approuver avant vendredi ?",
                 # a genuine enrolment: the one prompt the reader triggers, to approve
                 "Vous recevrez une notification de connexion lors de l'activation ; il faudra l'approuver depuis votre"
                 " téléphone.",
                 "You will receive a sign-in notification on your phone when you enrol. Approve it to finish.",
                 "Vous allez recevoir les demandes de congés de l'équipe. Merci de toutes les valider avant vendredi."):
        assert "intent.mfa_code_request" not in codes(run(text_message(text))), text


def test_a_price_list_sent_in_spanish_or_catalan_is_no_parcel_fee() -> None:
    for text in ("Bon dia Pau, t'envio la tarifa de l'oli nou de la collita 2026/27, amb els preus per palet.",
                 "Buenos días, le envío la tarifa 2027 con los nuevos precios por palé."):
        assert "intent.fee_payment" not in codes(run(text_message(text))), text


def test_sending_back_a_contract_or_waiting_for_a_delivery_code_asks_no_code() -> None:
    for text in ("Voici le contrat de maintenance. Merci de me le renvoyer signé avant vendredi.",
                 "Vous allez recevoir un SMS avec un code de retrait. Le livreur vous le demandera à la livraison."):
        assert "intent.mfa_code_request" not in codes(run(text_message(text))), text


def test_gift_cards_offered_to_staff_with_the_usual_reminder_ask_for_none() -> None:
    text = ("Comme chaque année, les associés offrent à chaque collaborateur une carte cadeau de 170 €. Indiquez votre"
            " enseigne dans le tableau joint. Rappel : aucun associé ne vous demandera jamais d'acheter des cartes"
            " cadeaux ou d'en transmettre les codes par mail.")
    assert "intent.gift_card_request" not in codes(run(text_message(text)))
    ask = "Achète-moi 5 cartes Google Play de 100 € et envoie-moi les codes en photo, c'est pour un client."
    assert "intent.gift_card_request" in codes(run(text_message(ask)))


def test_gift_cards_bought_with_the_codes_refused_by_mail_ask_for_none() -> None:
    text = ("Peux-tu commander les 12 cartes cadeaux de 150 € chez notre prestataire habituel, avec un bon de"
            " commande ? Cartes physiques remises en main propre, donc pas de codes par mail.")
    assert "intent.gift_card_request" not in codes(run(text_message(text)))
    ask = "Peux-tu acheter 12 cartes cadeaux de 150 € et m'envoyer les codes par mail ?"
    assert "intent.gift_card_request" in codes(run(text_message(ask)))


def test_the_usual_account_and_a_denied_change_are_no_bank_change() -> None:
    for text in ("Merci de nous reverser ce montant par virement sur le compte de cantonnement habituel.",
                 "Potete rimborsarlo sul nostro conto abituale. Non c'è alcuna variazione delle nostre coordinate"
                 " bancarie.",
                 "No hay ningún cambio de cuenta: paguen como siempre.",
                 "Tu peux préparer le virement sur le bénéficiaire habituel (surtout pas un nouveau RIB) ?",
                 "Please pay the usual beneficiary, not a new account, whatever anyone writes."):
        assert "intent.bank_detail_change" not in codes(run(text_message(text))), text
    # a new account is still one
    assert "intent.bank_detail_change" in codes(run(text_message(
        "Merci de régler désormais sur notre compte de cantonnement : IBAN ci-dessous.")))
    assert "intent.bank_detail_change" in codes(run(text_message(
        "Vi comunichiamo la variazione delle nostre coordinate bancarie a partire da novembre.")))


def test_mobile_apps_and_devices_mentioned_in_passing_ask_no_desktop_file() -> None:
    for text in ("Notre application est disponible sur iPhone et Android.",
                 "Vous pouvez signer depuis votre ordinateur ou votre téléphone.",
                 "The report is attached; it opens on any computer or phone.",
                 "Le nouvel ordinateur portable vous attend à l'accueil, le téléphone suivra."):
        assert "intent.desktop_only_file" not in codes(run(text_message(text))), text


@pytest.mark.parametrize(("code", "text"), PARAPHRASES)
def test_asks_and_pressure_in_other_words(code: str, text: str) -> None:
    assert code in {f.code for f in run(text_message(text))}


def test_a_notice_of_a_document_waiting_in_the_client_area_asks_for_nothing() -> None:
    for text in ("Un nouveau document est disponible dans votre espace client.",
                 "Your statement for October is available in your online banking.",
                 "Please find attached the list of participants for the badge printing.",
                 "Nous sommes contraints de décaler la livraison au 12 décembre.",
                 'To unsubscribe, click the "Unsubscribe" link below and update your subscription preferences.',
                 "If you'd prefer not to receive the newsletter anymore, click the Unsubscribe link below and update"
                 " your profile.",
                 "Pour vous désinscrire, connectez-vous à votre espace et modifiez vos préférences."):
        assert not codes(run(text_message(text))), text  # no ask, no pressure
    # a supplier's genuine dunning asks for payment, but holds the deliveries, not the reader's payments or access
    dunning = "Sans règlement sous huit jours, nous serons contraints de suspendre les livraisons."
    assert "intent.pressure_threat" not in codes(run(text_message(dunning)))


def test_a_change_made_in_the_payroll_or_supplier_portal_is_reported_not_asked() -> None:
    change = {"intent.bank_detail_change", "intent.payroll_diversion"}
    for text in ("Just to let you know I've updated my bank details on the crew portal this afternoon.",
                 "J'ai enregistré mon nouveau RIB sur le portail RH pour la paie de décembre.",
                 "J'ai déposé mon nouveau RIB (Crédit Mutuel) sur l'espace salarié hier soir.",
                 "J'ai changé de banque. J'ai saisi mon nouveau RIB directement dans mon espace PayFit ce soir.",
                 "Please refund it to the same account; nothing has changed, so no need for new bank details."):
        assert not codes(run(text_message(text))) & change, text
    # the same change asked of the reader is one
    for text in ("Just to let you know I've updated my bank details this afternoon.",
                 "J'ai enregistré mon nouveau RIB pour la paie de décembre."):
        assert codes(run(text_message(text))) & change, text


def test_routine_bank_mentions_are_not_asks() -> None:
    for text in ("Un compte temporaire a été créé pour l'intérimaire : il expire vendredi.",
                 "Le règlement de votre facture a bien été reçu sur notre compte habituel, merci.",
                 "Votre RIB change ? Mettez à jour vos coordonnées dans votre espace client.",
                 "Nous déménageons : merci de noter nos nouvelles coordonnées, 12 rue des Lilas à Nantes.",
                 "Nos nouvelles coordonnées sont les suivantes : 12 rue des Lilas, 44000 Nantes.",
                 "Le compte a été modifié par votre administrateur."):
        found = {f.code for f in run(text_message(text)) if f.weight > 0}
        assert not found & {"intent.bank_detail_change", "intent.payment_request"}, text
    # An invoice saying where to pay asks to be paid; it does not change the bank details.
    for text in ("Le règlement doit être effectué sur le compte indiqué ci-dessous, à 30 jours.",
                 "All your payments are consolidated in your account dashboard.",
                 "Le virement devra porter les références suivantes : facture F-2026-311."):
        assert "intent.bank_detail_change" not in {f.code for f in run(text_message(text)) if f.weight > 0}, text


@pytest.mark.parametrize("text", [
    "Attenzione: è in corso una campagna di phishing, non aprire il link e non inserire le credenziali.",
    "Let op: valse e-mails uit onze naam vragen om een nieuw rekeningnummer. Wij vragen u nooit per e-mail om geld.",
    "Plusieurs d'entre vous ont reçu un message de la Ligue. Ce message est frauduleux : il vient d'un faux domaine.",
    "Attention : une campagne d'hameçonnage usurpe actuellement l'identité de Microsoft.",
    "Un SMS se faisant passer pour Chronopost circule en ce moment.",
    "Nous vous alertons sur une recrudescence d'appels de faux conseillers bancaires.",
    "Ces messages sont des tentatives d'hameçonnage : supprimez-les sans les ouvrir.",
    "Several staff received a fake invoice email impersonating one of our suppliers.",
])
def test_security_warnings_in_other_words(text: str) -> None:
    assert "intent.security_warning" in {f.code for f in run(text_message(text))}


def test_a_described_request_is_not_a_request() -> None:
    for text in ("Si vous recevez un message vous demandant de changer le RIB d'un fournisseur, appelez-nous.",
                 "If you get an email asking you to update your bank details, call the accounts team."):
        assert "intent.bank_detail_change" not in codes(run(text_message(text))), text


def test_short_availability_opener() -> None:
    fr = run(text_message("Es-tu disponible ? J'ai une tâche confidentielle pour toi.", name="Claire Martel"))
    en = run(text_message("Are you available? I need a quick favor.", name="Claire Martel"))
    assert get(fr, "intent.availability_check").evidence.get("short") is True
    assert "intent.availability_check" in codes(en)


def test_negated_ask_is_advice() -> None:
    findings = run(text_message("Nous ne vous demanderons jamais votre numéro de carte ni le cryptogramme."))
    assert "intent.personal_data_request" not in codes(findings)


def test_mfa_code_and_remote_access() -> None:
    mfa = run(text_message("Pour finaliser, communique-moi le code que tu viens de recevoir par SMS."))
    assert "intent.mfa_code_request" in codes(mfa)
    remote = run(text_message("Please download AnyDesk and give me the session code so I can fix it."))
    assert "intent.remote_access_install" in codes(remote)


def test_gift_card_mention_without_request_is_not_a_request() -> None:
    promo = run(text_message("Offrez une carte cadeau à vos proches pour les fêtes, dès 20 €."))
    assert "intent.gift_card_request" not in codes(promo)


# --- bank checks against the organisation profile -----------------------------------------------

def test_vendor_iban_mismatch_by_display_name() -> None:
    message = text_message("Merci d'effectuer le règlement sur notre nouveau compte : "
                           "FR76 1695 8012 3400 0314 1592 619",
                           sender="compta@durand-transports.net", name="Transports Durand")
    findings = run(message)
    mismatch = get(findings, "intent.vendor_iban_mismatch")
    assert mismatch.weight >= 0.8
    assert mismatch.evidence["vendor"] == "Transports Durand"
    assert mismatch.evidence["matched_by"] == "display_name"
    assert mismatch.evidence["iban"] == "FR76 1695 8012 3400 0314 1592 619"


def test_vendor_iban_on_file_is_a_small_trust_signal_in_a_payment() -> None:
    message = text_message(f"Could you please arrange the payment of invoice KS-88213 to {KESSLER_IBAN}?",
                           sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    findings = run(message)
    on_file = get(findings, "intent.vendor_iban_on_file")
    assert on_file.weight < 0
    assert "intent.vendor_iban_mismatch" not in codes(findings)


def test_a_payer_whose_account_closed_asking_where_to_pay_an_account_on_file() -> None:
    """A customer's own bank account closed, checking the account on file before paying: nothing is diverted."""
    message = text_message(f"My French bank account was closed, so I will pay from the UK. Before I do, is this "
                           f"still your account? {KESSLER_IBAN}", sender="j.whitmore@gmail.com", name="J Whitmore")
    findings = run(message)
    assert get(findings, "intent.vendor_iban_on_file").weight < 0
    assert "intent.iban_with_bank_change" not in codes(findings)


def test_a_payers_account_for_a_signed_direct_debit_mandate_is_no_diversion() -> None:
    """A customer moving to direct debit from another account: the account block is the one to debit."""
    message = text_message("From December please take the fees by SEPA direct debit. I've filled in and signed the "
                           "SEPA mandate form.\nAccount holder: Kessler Stahl GmbH\nIBAN: LT98 3250 0112 3456 7890",
                           sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    found = codes(run(message))
    assert not found & {"intent.vendor_iban_mismatch", "intent.payment_request", "intent.iban_country_unusual"}


def test_a_refund_to_a_new_account_with_a_mandate_promised_is_still_money_out() -> None:
    """The taken-over payer asks a refund to his new account and promises a signed mandate later: money leaves."""
    message = text_message("Pourriez-vous effectuer le remboursement du prélèvement en double sur mon nouveau compte :"
                           "\nTitulaire : Kessler Stahl\nIBAN : LT98 3250 0112 3456 7890\nJe vous renverrai un mandat "
                           "de prélèvement signé.", sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    assert "intent.vendor_iban_mismatch" in codes(run(message))


def test_a_payment_advice_shows_the_payers_account_not_one_to_pay() -> None:
    """A customer's payment advice (its own debit account beside ours) asks for nothing; a new account does."""
    advice = text_message("Please find attached the payment advice for our payment of 20 Nov.\nOrdering account: "
                          "LT98 3250 0112 3456 7890", sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    assert "intent.vendor_iban_mismatch" not in codes(run(advice))
    # a creditor asking for the advice once paid is asking to be paid
    asked = text_message("Merci de procéder au virement sur le compte LT98 3250 0112 3456 7890 et de m'adresser l'avis "
                         "de virement dès exécution.", sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    assert "intent.vendor_iban_mismatch" in codes(run(asked))
    changed = text_message("We have paid invoice 12. Please note our new bank details for the next one: "
                           "LT98 3250 0112 3456 7890", sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    assert "intent.vendor_iban_mismatch" in codes(run(changed))


def test_a_payment_batch_listing_several_vendors_accounts_on_file_is_no_mismatch() -> None:
    """The finance director's batch names Transports Durand and lists Kessler's account too: both are on file."""
    batch = text_message(f"Lot de virements validé :\n- Transports Durand – {DURAND_IBAN}\n- Kessler Stahl – "
                         f"{KESSLER_IBAN}\nMerci de préparer la remise.", sender="claire.martel@fonderie-martel.fr",
                         name="Claire Martel")
    assert "intent.vendor_iban_mismatch" not in codes(run(batch))
    stranger = text_message("Lot de virements validé :\n- Transports Durand – FR76 1695 8012 3400 0314 1592 619\n"
                            "Merci de préparer la remise.", sender="claire.martel@fonderie-martel.fr",
                            name="Claire Martel")
    assert "intent.vendor_iban_mismatch" in codes(run(stranger))


def test_iban_country_differs_from_vendor_usual_country() -> None:
    message = text_message("Bitte überweisen Sie ab sofort auf unser neues Konto. New bank account: "
                           "LT98 3250 0112 3456 7890",
                           sender="accounts@kessler-stahl.de", name="Kessler Stahl")
    findings = run(message)
    assert {"intent.vendor_iban_mismatch", "intent.iban_country_unusual"} <= codes(findings)
    assert get(findings, "intent.iban_country_unusual").evidence["country"] == "LT"


# --- whole messages, parsed from bytes -------------------------------------------------------------

EXPECTED: dict[str, tuple[set[str], float]] = {
    # message: (codes that must be present, minimum score from intent alone)
    "atk-fr-vendor-rib-change.eml": ({"intent.vendor_iban_mismatch", "intent.bank_detail_change",
                                      "intent.iban_with_bank_change"}, 0.9),
    "atk-fr-ceo-virement-confidentiel.eml": ({"intent.payment_request", "intent.payment_with_pressure",
                                              "intent.availability_check", "intent.confidential_operation"},
                                             0.6),
    "atk-fr-cartes-cadeaux.eml": ({"intent.gift_card_request"}, 0.6),
    "atk-fr-paie-nouveau-rib.eml": ({"intent.payroll_diversion", "intent.payroll_iban_mismatch",
                                     "intent.iban_country_unusual"}, 0.8),
    "atk-fr-callback-renouvellement.eml": ({"intent.callback_phishing"}, 0.5),
    "atk-fr-quota-messagerie.eml": ({"intent.credentials_request", "intent.credentials_with_pressure"}, 0.5),
    "atk-fr-reply-hijack.eml": ({"intent.bank_detail_change", "intent.vendor_iban_mismatch"}, 0.8),
    "atk-en-gift-cards.eml": ({"intent.gift_card_request", "intent.availability_check",
                               "intent.payment_with_pressure"}, 0.7),
    "atk-en-wire-ceo.eml": ({"intent.payment_request", "intent.payment_with_pressure"}, 0.5),
    "atk-en-password-expiry.eml": ({"intent.credentials_request", "intent.credentials_with_pressure"}, 0.5),
}
LEGITIMATE: dict[str, float] = {
    # message: maximum score from intent alone (wording alone must not make it suspicious)
    "ok-fr-facture-rib-connu.eml": 0.2,
    "ok-fr-alerte-dsi-faux-rib.eml": 0.35,
    "ok-fr-virement-interne-urgent.eml": 0.45,
    "ok-fr-reponse-citant-leurre.eml": 0.1,
    "ok-en-password-reset-requested.eml": 0.35,
    "ok-fr-lettre-info-fraude.eml": 0.15,
    "ok-en-invoice-reminder.eml": 0.3,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_messages(name: str) -> None:
    required, minimum = EXPECTED[name]
    findings = run(parsed(name))
    assert required <= codes(findings), sorted(codes(findings))
    assert score(findings) >= minimum, (score(findings), sorted(codes(findings)))


@pytest.mark.parametrize("name", sorted(LEGITIMATE))
def test_legitimate_look_alikes(name: str) -> None:
    findings = run(parsed(name))
    assert score(findings) <= LEGITIMATE[name], (score(findings), sorted(codes(findings)))
    assert not codes(findings) & {"intent.vendor_iban_mismatch", "intent.payroll_iban_mismatch",
                                  "intent.gift_card_request", "intent.iban_with_bank_change"}


@pytest.mark.parametrize("name", ["atk-fr-ceo-virement-confidentiel.eml", "atk-en-wire-ceo.eml",
                                  "atk-en-gift-cards.eml"])
def test_secrecy_is_part_of_the_combination(name: str) -> None:
    findings = run(parsed(name))
    assert "secrecy" in get(findings, "intent.payment_with_pressure").evidence["pressure"]
    secrecy = get(findings, "intent.pressure_secrecy")
    assert secrecy.weight == 0 and secrecy.evidence["combined"] is True  # counted once, in the combination


def test_reply_hijack_reads_the_new_text_and_notes_the_thread() -> None:
    findings = run(parsed("atk-fr-reply-hijack.eml"))
    thread = get(findings, "intent.thread_context")
    assert thread.weight == 0 and thread.evidence["quoted_chars"] > 0
    assert get(findings, "intent.bank_detail_change").evidence["in_thread"] is True


def test_security_warning_is_recognised_and_quotes_are_not_requests() -> None:
    findings = run(parsed("ok-fr-alerte-dsi-faux-rib.eml"))
    assert any(f.code == "intent.security_warning" for f in findings)
    assert "intent.bank_detail_change" not in codes(findings)


def test_callback_evidence_names_the_phone_number() -> None:
    finding = get(run(parsed("atk-fr-callback-renouvellement.eml")), "intent.callback_phishing")
    assert finding.evidence["phone"] == "01 84 80 62 17"


RENEWAL_SCAM = ("Your Norton 360 Business subscription (10 devices) was renewed automatically: EUR 489.99 "
                "will be charged within 24 hours. If you did not authorise this renewal and want a refund, "
                "call our billing desk on +33 1 86 95 42 17 before 18:00 today.")


def _https(host: str, path: str = "/") -> Url:
    return Url(f"https://{host}{path}", UrlOrigin.HREF, "https", host, "View invoice")


def test_a_callback_scam_carried_by_an_open_platform_is_callback_phishing() -> None:
    # A genuine PayPal invoice or DocuSign envelope whose seller note is the scam: every link goes back to the
    # platform that sent it, so the phone number remains the only way to act.
    carried = text_message(RENEWAL_SCAM, "Invoice from Norton Secure Billing", "service@paypal.com", "PayPal",
                           urls=(_https("www.paypal.com", "/invoice/p/#INV2-8841"), _https("paypal.com", "/help")))
    finding = get(run(carried), "intent.callback_phishing")
    assert finding.evidence["platform"] == "PayPal" and finding.evidence["phone"]
    # A link leading anywhere else is a way to act online: only the plain "call us" ask remains.
    elsewhere = text_message(RENEWAL_SCAM, "Invoice", "service@paypal.com", "PayPal",
                             urls=(_https("www.paypal.com"), _https("norton-billing-desk.com", "/cancel")))
    assert "intent.callback_phishing" not in codes(run(elsewhere))
    assert "intent.callback_request" in codes(run(elsewhere))
    # A sender that is not an open platform linking to its own site is an ordinary renewal notice.
    vendor = text_message(RENEWAL_SCAM, "Your renewal", "billing@transports-durand.fr", "Transports Durand",
                          urls=(_https("www.transports-durand.fr", "/account"),))
    assert "intent.callback_phishing" not in codes(run(vendor))


def test_a_profile_listing_the_platform_as_a_vendor_does_not_hide_that_anyone_publishes_there() -> None:
    # The organisation pays by PayPal, so its profile lists paypal.com as a vendor: that entry owns the domain
    # first, and the open-platform flag was read through it and lost (round 31's a13, only suspicious).
    listed = config_from_mapping({"org": {**ORG["org"], "vendors": [
        *ORG["org"]["vendors"], {"name": "PayPal", "domains": ["paypal.com"]}]}})
    carried = text_message(RENEWAL_SCAM, "Invoice from Norton Secure Billing", "service@paypal.com", "PayPal",
                           urls=(_https("www.paypal.com", "/invoice/p/#INV2-8841"),))
    assert "intent.callback_phishing" in codes(run(carried, listed))


@pytest.mark.parametrize("ask", [
    "Questions about your order? Give us a call at +1 (844) 555-0142.",
    "You can reach us on our support number +1 818 555 0199 for any assistance.",
    "If you have questions regarding this charge, please call our billing team: +1 808 555 0142.",
])
def test_receipt_scams_word_the_call_in_many_ways(ask: str) -> None:
    receipt = f"Order processed successfully. Item: Geek Squad Total Protection, amount $499.99. {ask}"
    scam = text_message(receipt, "Your order", "paid.customer.4471@gmail.com", "Paid Customer")
    assert get(run(scam), "intent.callback_phishing").evidence["phone"]
    # the same words in a genuine order confirmation with its links: a way to act online, no scam shape
    shop = text_message(receipt, "Your order", "orders@transports-durand.fr", "Transports Durand",
                        urls=(_https("www.transports-durand.fr", "/orders/88213"),))
    assert "intent.callback_phishing" not in codes(run(shop))


def test_evidence_is_short_and_spans_point_into_the_body() -> None:
    message = parsed("atk-fr-ceo-virement-confidentiel.eml")
    for f in run(message):
        phrases = f.evidence.get("phrases", [])
        assert len(phrases) <= 3 and all(len(p) <= 80 for p in phrases)
        if f.span is not None and f.code != "intent.bank_details":
            start, end = f.span
            assert message.body_text[start:end].strip()


# --- contracts -------------------------------------------------------------------------------------

def test_every_code_has_english_and_french_text() -> None:
    catalogue = Catalogue.load_shipped()
    for code in intent.CODES:
        assert catalogue.has(code, "en") and catalogue.has(code, "fr"), code


def test_findings_only_use_declared_codes_and_weights_in_range() -> None:
    for path in sorted(MESSAGES.glob("*.eml")):
        for f in run(parsed(path.name)):
            assert f.code in intent.CODES
            assert -1.0 <= f.weight <= 1.0


def test_registered_after_attachments_and_links() -> None:
    names = [name for name, _ in ANALYZERS]
    assert "intent" in names
    for before in ("links", "attachments"):
        if before in names:
            assert names.index(before) < names.index("intent")


def test_empty_and_huge_messages_do_not_break() -> None:
    assert codes(run(Message())) == set()
    huge = "Merci d'effectuer un virement urgent. " * 20000
    started = time.process_time()  # CPU time: a bound on the work (text capped), not a speed measurement
    findings = run(text_message(huge))
    assert "intent.payment_request" in codes(findings)
    assert time.process_time() - started < 1.0


def test_html_only_message_is_read() -> None:
    message = Message(subject="Facture", html="<p>x</p>",
                      html_text="Merci de mettre à jour notre RIB : nos coordonnées bancaires ont changé.")
    assert "intent.bank_detail_change" in codes(run(message))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.text(max_size=60))
def test_any_text_is_read_without_error(body: str, subject: str) -> None:
    message = Message(subject=subject, text=body)
    for f in run(message):
        assert f.code in intent.CODES
        if f.span is not None:
            start, end = f.span
            assert 0 <= start <= end <= len(message.body_text)


def test_invisible_characters_do_not_hide_words_and_spans_stay_true() -> None:
    body = "Merci de mettre à jour notre R\u200bIB : nos coordonnées ban\u200bcaires ont changé."
    finding = get(run(text_message(body)), "intent.bank_detail_change")
    start, end = finding.span or (0, 0)
    assert body[start:end].replace("\u200b", "").startswith("mettre à jour notre RIB")
    assert "\u200b" in body[start:end]  # offsets are the message's own, invisible characters included


def test_a_lure_naming_phishing_is_not_a_security_warning() -> None:
    lure = ("To protect you against phishing, please verify your account within 24 hours or it will be "
            "suspended: https://secure-verify.example/login")
    link = Url("https://secure-verify.example/login", UrlOrigin.TEXT, "https", "secure-verify.example")
    findings = run(text_message(lure, urls=(link,)))
    assert not any(f.code == "intent.security_warning" for f in findings)
    assert score(findings) >= 0.5


@pytest.mark.parametrize(("text", "code"), [
    ("To sign the acknowledgement form, your credentials will be required.", "intent.credentials_request"),
    ("Please confirm your recovery phone number and backup email address by Friday.", "intent.credentials_request"),
    ("Take a moment to update your security questions.", "intent.credentials_request"),
    ("Vos identifiants vous seront demandés pour signer le formulaire.", "intent.credentials_request"),
    ("Merci de confirmer votre numéro de téléphone de secours avant vendredi.", "intent.credentials_request"),
    ("Please process the balance listed in the attached invoice.", "intent.payment_request"),
    ("Kindly submit the payment through our vendor portal.", "intent.payment_request"),
    ("I need your assistance in processing a fund transfer to the account below.", "intent.payment_request"),
    ("Merci de régulariser la facture restée impayée.", "intent.payment_request"),
])
def test_asks_made_in_passing_or_in_other_words(text: str, code: str) -> None:
    assert code in codes(run(text_message(text)))


@pytest.mark.parametrize("text", [
    "We are making payments to all our suppliers on time this quarter.",
    "The recovery of the project is going well; the balance sheet is attached for the board.",
    "Le mot de passe de votre messagerie ne vous sera jamais demandé par un autre site.",
    "Your email password is never needed to read this notice.",
    "Si la connexion échoue, ouvrez un ticket auprès de la DSI plutôt que de me transmettre vos identifiants.",
    "Please use the secure upload form rather than sending us your password by email.",
    "Moyen de paiement : carte Visa se terminant par 4417 (prélevée aujourd'hui).",
    "Ce terminal n'accepte plus les paiements sans contact.",
    "Les frais de dossier sont à la charge du bénéficiaire du prêt et prélevés avant le versement des fonds.",
    "Frais bancaires à la charge du bénéficiaire (option BEN).",
])
def test_describing_payments_or_balances_is_not_an_ask(text: str) -> None:
    assert not codes(run(text_message(text))) & {"intent.payment_request", "intent.credentials_request",
                                                  "intent.personal_data_request", "intent.bank_detail_change",
                                                  "intent.fee_payment"}


def test_a_prospect_introducing_themselves_is_no_lawyer() -> None:
    """« Me Durand vous contactera » is the lawyer of CEO fraud; « je me permets de vous contacter » a prospect."""
    assert "intent.confidential_operation" not in codes(run(text_message(
        "Je me permets de vous contacter car un ami m'a recommandé votre entreprise pour des travaux.")))
    assert "intent.confidential_operation" in codes(run(text_message(
        "Me Durand vous contactera demain pour les instructions du dossier.")))


def test_a_sign_in_link_to_the_senders_own_known_site_weighs_as_no_link() -> None:
    """A bank's notice sends the reader to the bank's real site, where an impostor collects nothing; a link
    elsewhere, or a sender on an open platform (anyone writes from docs.google.com), keeps the full weight."""
    text = "Vos relevés sont disponibles : connectez-vous à votre espace sécurisé pour les consulter."

    def weight(sender: str, url: str) -> tuple[float, str]:
        link = (Url(url=url, scheme="https", host=url.split("/")[2], origin=UrlOrigin.HREF),)
        found = get(run(text_message(text, "Relevés", sender, urls=link)), "intent.credentials_request")
        return found.weight, found.evidence["channel"]

    assert weight("ne-pas-repondre@ca-sudrhonealpes.fr", "https://www.credit-agricole.fr/espace") == (
        0.15, "sender_site")
    assert weight("ne-pas-repondre@ca-sudrhonealpes.fr", "https://ca-espace-client.example/login") == (0.3, "link")
    assert weight("forms-receipts-noreply@google.com", "https://docs.google.com/forms/d/x") == (0.3, "link")
    # an open platform's own security alert, linking only to its account pages (account_hosts)
    assert weight("no-reply@accounts.google.com", "https://myaccount.google.com/notifications") == (
        0.15, "sender_site")
    assert weight("no-reply@accounts.google.com", "https://sites.google.com/view/verify") == (0.3, "link")


def test_writing_from_a_personal_webmail_is_the_secrecy_pretext() -> None:
    message = text_message("Hi Hugo, I'm writing from my personal Gmail because our corporate mail is down this "
                           "week. Could you send me the signed quote today?", "Quote", "ethan.ward@gmail.com")
    assert "intent.pressure_secrecy" in {f.code for f in run(message)}


def test_a_platform_signed_into_with_the_mailbox_password_is_a_credentials_request() -> None:
    message = text_message("Déposez les documents sur la plateforme sécurisée. L'authentification s'effectue avec "
                           "l'adresse électronique du dirigeant déclarée à l'ORIAS et le mot de passe de votre "
                           "messagerie professionnelle.", "Contrôle sur pièces", "controle@autorite-exemple.org")
    assert "intent.credentials_request" in codes(run(message))


def test_access_with_your_work_account_on_another_site_is_a_credentials_request() -> None:
    message = text_message("You can access the quote with your existing Microsoft 365 work account. No separate "
                           "licence is required.", "Review a risk", "no-reply@placing-portal.example")
    assert "intent.credentials_request" in codes(run(message))


def test_a_code_that_is_not_a_sign_in_code_is_not_asked_for() -> None:
    for text in ("Can you give me the discount code for the conference?", "Please tell me the door code for Monday."):
        assert "intent.mfa_code_request" not in {f.code for f in run(text_message(text)) if f.weight > 0}, text


def test_wiring_instructions_written_as_a_block_ask_for_a_transfer() -> None:
    """"Bénéficiaire : … / IBAN : …" with a full IBAN asks for a transfer by its form (CEO fraud rarely says "pay")."""
    block = ("Annelies here, only my personal email on the train. The clearing agent needs EUR 18,750 before 16:00.\n\n"
             "Beneficiary: Anvers Customs Guarantees BV\nIBAN: FR76 3000 6000 0112 3456 7890 189\nReference: HF-1014\n")
    found = {f.code: f for f in run(text_message(block, "Deposit", "annelies.koster@outlook.com"))}
    assert found["intent.payment_request"].evidence["phrases"][0].startswith("Beneficiary: Anvers")
    assert "intent.payment_with_pressure" in found
    fr = "Bénéficiaire : SARL Dupont\nIBAN : FR76 3000 6000 0112 3456 7890 189\nMontant : 12 400 €\n"
    assert "intent.payment_request" in codes(run(text_message(fr)))


def test_a_receipt_with_a_masked_account_is_no_wiring_instruction() -> None:
    receipt = ("Le virement suivant a été exécuté depuis votre compte :\n\nBénéficiaire : Harzmann GmbH\n"
               "IBAN : DE44 •••• •••• •••• •••• 05\nMontant : 38 760,00 €\n")
    assert "intent.payment_request" not in codes(run(text_message(receipt)))
    far = ("Bénéficiaire : SARL Dupont.\n" + "Le chantier avance bien. " * 12
           + "\nIBAN : FR76 3000 6000 0112 3456 7890 189\n")
    assert "intent.payment_request" not in codes(run(text_message(far)))


def test_an_ask_after_instead_of_still_counts_when_it_is_not_the_alternative() -> None:
    """"Instead of the usual portal, enter your password below": the alternative named is the portal, not the ask."""
    text = "Instead of the usual portal, please enter your password on the page below."
    assert "intent.credentials_request" in codes(run(text_message(text)))


def test_ordinary_closers_are_not_an_availability_check() -> None:
    for text in ("Let me know if you have any questions.", "Could you help me with the quarterly report when you get "
                 "a chance?", "N'hésitez pas à me dire si vous avez des questions.",
                 "Let me know when you are free for a call next week.",
                 "Dites-moi si vous êtes disponible jeudi pour la réunion de chantier."):
        assert "intent.availability_check" not in codes(run(text_message(text))), text


def test_avoiding_delays_is_no_threat() -> None:
    for text in ("Please submit your timesheet by Friday to avoid delays in processing.",
                 "Send invoices to our accounts payable mailbox to avoid payment delays."):
        assert "intent.pressure_threat" not in codes(run(text_message(text))), text


def test_forwarding_a_message_and_app_stores_are_not_money_or_gift_cards() -> None:
    """An IT notice: "merci de me le transférer" forwards a mail; "App Store ou Google Play" is where an app is."""
    text = ("Installez l'application Microsoft Authenticator (App Store ou Google Play). Si vous recevez un code QR "
            "par mail, c'est une tentative d'hameçonnage : merci de me le transférer.")
    found = codes(run(text_message(text)))
    assert not found & {"intent.payment_request", "intent.gift_card_request"}
    money = codes(run(text_message("Merci de transférer la somme de 12 400 € aujourd'hui sur le compte indiqué.")))
    assert "intent.payment_request" in money
    cards = codes(run(text_message("Achète 5 cartes Google Play de 100 € et envoie-moi les codes.")))
    assert "intent.gift_card_request" in cards


@pytest.mark.parametrize(("text", "code"), [
    ("Could you arrange to return the duplicate amount? The refund should go to our new account.",
     "intent.payment_request"),
    ("Bitte melden Sie sich mit Ihrer geschäftlichen E-Mail-Adresse an, um das Dokument zu öffnen.",
     "intent.credentials_request"),
    ("Merci de nous rembourser le virement reçu en double sur notre nouveau compte.", "intent.payment_request"),
    ("Die Reservierung wird nach Eingang einer Anzahlung von 30 % verbindlich.", "intent.payment_request"),
])
def test_refunds_of_a_duplicate_payment_and_german_sign_in_to_open_a_document(text: str, code: str) -> None:
    assert code in codes(run(text_message(text)))


def test_pressure_a_sender_promises_never_to_apply_is_no_pressure() -> None:
    text = ("Vous trouverez ci-joint notre nouveau RIB. Nous ne vous demanderons jamais de modifier nos "
            "coordonnées bancaires dans l'urgence.")
    assert "intent.pressure_urgency" not in codes(run(text_message(text)))
    assert "intent.pressure_urgency" in codes(run(text_message("Virement à faire en urgence aujourd'hui.")))


@pytest.mark.parametrize("text", [
    "Mon ancien compte reste ouvert jusqu'à fin octobre, donc aucune urgence pour la paie de septembre.",
    "Ce n'est pas urgent, tu peux le traiter la semaine prochaine.",
    "Nothing urgent: whenever you have a minute.",
    "No es urgente, lo vemos el lunes.",
    "Non è urgente, ne parliamo lunedì.",
])
def test_urgency_the_writer_denies_is_no_pressure(text: str) -> None:
    assert "intent.pressure_urgency" not in codes(run(text_message(text)))


@pytest.mark.parametrize(("text", "code"), [
    ("Ho bisogno che tu esegua oggi stesso un bonifico di 48.600,00 € come acconto.", "intent.payment_request"),
    ("Vi preghiamo di aggiornare la Vs. anagrafica fornitori e di utilizzare le nuove coordinate già per le "
     "fatture in scadenza.", "intent.bank_detail_change"),
    ("Para la remesa del 30 aplicad ya las dos facturas a la cuenta nueva.", "intent.bank_detail_change"),
    ("He cambiado de banco y me gustaría que la nómina de octubre me la ingreséis en la cuenta nueva.",
     "intent.payroll_diversion"),
])
def test_spanish_and_italian_transfer_and_bank_change_asks(text: str, code: str) -> None:
    assert code in codes(run(text_message(text)))


def test_german_ab_sofort_announces_and_does_not_rush() -> None:
    assert "intent.pressure_urgency" not in codes(run(text_message(
        "Ihre Standbestätigung finden Sie ab sofort im Online Service Center.")))
    assert "intent.payment_with_pressure" in codes(run(text_message("Bitte überweisen Sie den Betrag sofort.")))


def test_bank_details_that_do_not_change_are_no_bank_change() -> None:
    text = ("Règlement par virement sur notre compte habituel : IBAN FR76 1551 9391 1700 0215 4071 230. "
            "Nos coordonnées bancaires ne changent pas.")
    assert not codes(run(text_message(text))) & {"intent.bank_detail_change", "intent.iban_with_bank_change"}


@pytest.mark.parametrize("text", [
    "To open it as a guest, go to https://microsoft.com/devicelogin and enter the code FQK7MXR2T.",
    "Si une notification affiche un nombre à sélectionner, choisis 47.",
    "Please accept all the Okta Verify prompts you receive between 10:30 and 11:00.",
])
def test_device_code_and_mfa_fatigue_are_mfa_asks(text: str) -> None:
    assert "intent.mfa_code_request" in codes(run(text_message(text)))


def test_numbers_to_choose_elsewhere_are_no_mfa_ask() -> None:
    assert "intent.mfa_code_request" not in codes(run(text_message(
        "Pour le menu, choisissez 2 entrées et indiquez 3 dates possibles.")))


def test_a_lures_never_in_another_sentence_keeps_its_pressure() -> None:
    text = ("Microsoft ne vous demandera jamais votre mot de passe par mail. Validez votre compte en urgence "
            "aujourd'hui.")
    assert "intent.pressure_urgency" in {f.code for f in run(text_message(text))}


@pytest.mark.parametrize(("text", "code"), [
    ("Notre compte principal est transféré au CIC à compter du 1er novembre.", "intent.bank_detail_change"),
    ("Les règlements de la situation n°4 et des suivantes devront donc être effectués sur le compte ci-dessous.",
     "intent.bank_detail_change"),
    ("Le règlement des frais d'instruction (1 740 € TTC), intégralement remboursés lors du premier versement de "
     "la dotation.", "intent.fee_payment"),
])
def test_a_contractors_new_account_and_a_fake_grants_fees(text: str, code: str) -> None:
    assert code in codes(run(text_message(text)))


@pytest.mark.parametrize(("text", "code"), [
    ("Bist Du heute Nachmittag im Büro?", "intent.availability_check"),
    ("Kannst Du die Zahlung heute noch auslösen?", "intent.payment_request"),
    ("Das bleibt bis zur Unterzeichnung strikt zwischen uns.", "intent.pressure_secrecy"),
    ("Herr Dr. Achermann schickt Dir gleich die Zahlungsangaben.", "intent.confidential_operation"),
])
def test_german_ceo_fraud(text: str, code: str) -> None:
    assert code in codes(run(text_message(text)))


def test_the_organisations_own_account_on_a_direct_debit_invoice_is_no_mismatch() -> None:
    own = "FR76 1695 8012 3400 0314 1592 619"
    message = text_message(f"Votre facture de carburant : le montant sera prélevé sur votre compte {own}.",
                           sender="factures@transports-durand.fr", name="Transports Durand")
    assert "intent.vendor_iban_mismatch" in codes(run(message))  # an account nobody said is yours
    with_own = config_from_mapping({"org": {**ORG["org"], "ibans": [own]}})
    assert "intent.vendor_iban_mismatch" not in codes(run(message, with_own))


def test_a_lures_reassurance_is_not_a_forwarders_question() -> None:
    lure = "Ce message est officiel, c'est tout à fait légitime : connectez-vous pour valider votre compte."
    assert "intent.security_warning" not in {f.code for f in run(text_message(lure))}
    forwarded = ("Est-ce légitime ? Je n'ai pas cliqué.\n\n-------- Message transféré --------\nDe : Service des impôts"
                 " <info@dgfip-remboursement.com>\n\nConnectez-vous pour recevoir votre remboursement.")
    assert "intent.security_warning" in {f.code for f in run(text_message(forwarded))}
    # a buyer forwarding the "notary's" new account and asking the notary whether it came from her
    for doubt in ("Il nous semble bizarre. Pouvez-vous nous confirmer qu'il ne vient pas de vous ? Nous n'avons rien"
                  " viré.", "Could you confirm whether this really came from you? We haven't paid anything yet."):
        asked = (f"{doubt}\n\n---------- Forwarded message ---------\nDe : Office notarial <etude@notaires-ldc.fr>\n\n"
                 "Merci de virer votre apport sur le compte de transit ci-dessous.")
        assert "intent.security_warning" in {f.code for f in run(text_message(asked))}, doubt
    # a "Fwd:" with the lure attached (message/rfc822): the body is all the forwarder's own words
    attached = text_message("J'ai reçu ce message ce matin, je vous le transmets en pièce jointe. Est-ce bien de chez "
                            "vous ? Je préfère vérifier avant de faire quoi que ce soit.",
                            subject="Fwd: Appel de fonds – nouvelles coordonnées bancaires du syndicat")
    assert "intent.security_warning" in {f.code for f in run(attached)}
    # the same doubt with no forward beneath is a lure's own talk
    assert "intent.security_warning" not in {f.code for f in run(text_message(
        "Ça me semble bizarre de te demander ça, mais j'ai besoin de cartes cadeaux aujourd'hui."))}


# --- a notary's call for funds (French notaries hold clients' money at the Caisse des Dépôts, bank code 40031) ---

CDC_IBAN = "FR76 4003 1000 0100 0042 1773 108"  # valid, at the Caisse des Dépôts; belongs to no one
NEOBANK_IBAN = "FR76 1695 8000 0100 0042 1773 115"


def test_a_notarys_call_for_funds_to_the_caisse_des_depots_is_public_escrow() -> None:
    message = text_message(f"Maître,\nPour la signature de l'acte authentique, ce montant doit nous parvenir au plus "
                           f"tard le 21 octobre sur le compte de l'office : {CDC_IBAN}.\nOffice notarial Girard",
                           sender="v.meunier@girard-notaires.fr")
    findings = run(message)
    assert "intent.iban_public_escrow" in {f.code for f in findings}
    assert "intent.notary_iban_elsewhere" not in codes(findings)


def test_a_notary_asking_for_funds_on_another_bank_is_the_faux_notaire_fraud() -> None:
    message = text_message(f"Pour ce dossier, merci d'utiliser exclusivement le RIB du compte d'affectation spéciale "
                           f"de l'office : {NEOBANK_IBAN}.\nClerc de notaire, Office notarial Girard",
                           sender="v.meunier@girard-notaires.fr")
    findings = run(message)
    assert get(findings, "intent.notary_iban_elsewhere").weight >= 0.4
    # the same account from someone who does not write as a notary is only an unknown account
    plain = text_message(f"Merci d'utiliser exclusivement le RIB suivant : {NEOBANK_IBAN}.", sender="a@b.fr")
    assert "intent.notary_iban_elsewhere" not in codes(run(plain))


def test_cvc_is_card_data_only_beside_a_card() -> None:
    """In the French building trade CVC is heating, ventilation and air conditioning."""
    plans = text_message("Voici l'indice D des plans : coupes, réservations CVC R+2 et ferraillage des refends.")
    assert "intent.personal_data_request" not in codes(run(plans))
    card = text_message("Saisissez le code CVC de votre carte pour confirmer le paiement.")
    assert "intent.personal_data_request" in codes(run(card))


def test_the_minutes_of_a_meeting_are_no_fine() -> None:
    minutes = text_message("Tu trouveras le procès-verbal du 18 juin et le budget prévisionnel 2027 pour le CA.")
    assert "intent.fee_payment" not in codes(run(minutes))
    fine = text_message("Votre procès-verbal n° 4471 reste impayé : réglez l'amende sous 48 heures.")
    assert "intent.fee_payment" in codes(run(fine))


def test_a_phrase_reads_across_an_elided_word() -> None:
    """French elides: "(me|m') (envoyer)" is written "m'envoyer", with no space after the apostrophe."""
    assert matches("(me|m') (envoyer|donner) (ton|votre) numero", "Pouvez-vous m'envoyer votre numéro ?")
    assert matches("(je vous|je t') ecris", "je t'écris") and matches("(je vous|je t') ecris", "je t' écris")
    assert not matches("a b", "ab")


def test_a_colleagues_own_new_salary_account_weighs_half_when_the_route_proves_it_internal() -> None:
    """An employee sending HR her new RIB from inside the organisation (sender.internal_route): half the weight.
    The same words from outside, or authenticated only (a shared host passes SPF for anyone), keep it all."""
    text = (f"Bonjour, voici mon nouveau RIB pour le virement de mon salaire à partir du mois prochain : "
            f"{NEOBANK_IBAN}. Merci !")
    message = text_message(text, sender="l.roche@exemple-industrie.fr", name="Léa Roche")
    outside = get(run(message), "intent.payroll_diversion")
    inside_ctx = Context(CONFIG, RESOURCES, None, [Finding("sender.internal_route", -0.2, {})])
    inside = get(list(intent.analyze(message, inside_ctx)), "intent.payroll_diversion")
    assert inside.weight == pytest.approx(outside.weight * 0.5) and inside.evidence["colleague"] is True


def test_a_colleagues_own_new_salary_account_signed_with_the_organisations_dkim_weighs_half() -> None:
    """Hosted mail (Google Workspace, Microsoft 365) shows no internal route: the organisation's own DKIM signature,
    as its trusted server checked it, proves the colleague's mailbox instead. SPF alone does not (a shared host)."""
    text = (f"Bonjour, voici mon nouveau RIB pour le virement de mon salaire à partir du mois prochain : "
            f"{NEOBANK_IBAN}. Merci !")
    message = text_message(text, sender="julien.roche@fonderie-martel.fr", name="Julien Roche")

    def payroll(**auth: Any) -> Finding:
        results = Finding("auth.results", 0.0, {"spf": "pass", "dmarc": "pass", "trusted": True, **auth})
        return get(list(intent.analyze(message, Context(CONFIG, RESOURCES, None, [results]))),
                   "intent.payroll_diversion")

    signed = payroll(dkim="pass", dkim_domains=["fonderie-martel.fr"])
    assert signed.evidence["colleague"] is True
    assert payroll(dkim="none", dkim_domains=[]).weight == pytest.approx(signed.weight * 2)  # SPF alone
    assert payroll(dkim="pass", dkim_domains=["mailer.example-esp.com"]).weight == pytest.approx(signed.weight * 2)
    assert payroll(dkim="pass", dkim_domains=["fonderie-martel.fr"], trusted=False).weight == pytest.approx(
        signed.weight * 2)  # written by a server the organisation does not trust


def test_rules_reminded_to_staff_ask_for_nothing() -> None:
    """An IT notice's "ne scannez pas un QR code reçu par mail" and "personne à la direction ne vous demandera
    d'acheter des cartes cadeaux" name what is never asked (round 53)."""
    text = ("Rappel de nos règles : personne à la direction ne vous demandera d'acheter des cartes cadeaux ni de faire "
            "un virement confidentiel par mail. Ne scannez pas un QR code reçu par mail pour réactiver un compte.")
    found = codes(run(text_message(text)))
    assert not found & {"intent.gift_card_request", "intent.payment_request", "intent.qr_code_scan"}, found
    # without the negation, the same words ask
    asked = run(text_message("Peux-tu acheter des cartes cadeaux Amazon ce matin ?"))
    assert "intent.gift_card_request" in codes(asked)


def test_someone_elses_details_to_check_and_a_check_already_done_ask_nothing_of_the_reader() -> None:
    """"verify the notary's bank details" (a buyer checking before paying) and "Valérie m'a confirmé l'IBAN" (the
    call-back done) are no request for the reader's details (round 52); "confirmez votre IBAN" still is."""
    for text in ("Our solicitor asked us to verify the notary's bank details by phone before we pay.",
                 "Contre-appel ce matin : Valérie m'a confirmé l'IBAN chiffre par chiffre."):
        found = codes(run(text_message(text)))
        assert not found & {"intent.credentials_request", "intent.personal_data_request"}, (text, found)
    assert "intent.personal_data_request" in codes(run(text_message("Merci de confirmer votre IBAN sur le portail.")))


def test_a_payment_just_made_is_reported_not_asked() -> None:
    """A patron writing "je viens d'effectuer le virement de notre don annuel" (round 55) asks for a receipt."""
    text = "Je viens d'effectuer le virement de notre don annuel. Pourriez-vous établir le reçu fiscal ?"
    assert "intent.payment_request" not in codes(run(text_message(text)))
    assert "intent.payment_request" in codes(run(text_message("Peux-tu effectuer le virement aujourd'hui ?")))


def test_a_refund_declined_is_no_refund_asked() -> None:
    """An owner who overpaid and keeps the credit (round 56): "please don't refund the difference"."""
    for text in ("I paid too much. Please don't refund the difference: simply keep it as a credit on our account.",
                 "J'ai payé deux fois : inutile de me rembourser, gardez-le en avoir pour la prochaine visite."):
        assert "intent.payment_request" not in codes(run(text_message(text))), text
    assert "intent.payment_request" in codes(run(text_message("Could you refund the difference to my account?")))


def test_an_account_quoted_in_part_is_no_invalid_iban() -> None:
    assert find_ibans("Is the IBAN starting FR76 4003 1 and ending in 1180 270 still correct?") == []
    assert [i.valid for i in find_ibans("Notre IBAN : FR76 3000 4012 3400 0123 4567 863")] == [False]


def test_a_salary_account_signed_with_the_client_site_is_no_vendor_mismatch() -> None:
    """A field agent signing with the client site she works at (a profile vendor) asks payroll to change her own
    account: the payroll checks read it, not the vendor's accounts on file."""
    message = text_message("Je vous envoie mon nouveau RIB pour le versement de mon salaire : "
                           "FR76 1695 8012 3400 0314 1592 619\n\nSylvie Decroix\nÉquipe Transports Durand",
                           sender="sylvie.decroix62@gmail.com", name="Sylvie Decroix")
    found = codes(run(message))
    assert "intent.payroll_diversion" in found
    assert "intent.vendor_iban_mismatch" not in found


def test_the_organisations_mail_filter_reporting_what_it_held_asks_nothing() -> None:
    """A quarantine digest from the organisation's own gateway lists held messages' subjects ("coordonnées bancaires
    actualisées", "votre boîte aux lettres sera suspendue"): reported, as in a warning (round 52)."""
    from rempart.findings import Finding as F

    text = ("Les e-mails suivants ont été retenus par le filtre.\n"
            "appels@notaires-exemple.fr | Nouvelles coordonnées bancaires de l'office | Menace\n"
            "no-reply@m365-secure.example | Votre boîte aux lettres sera suspendue le 20/11 | Menace\n")
    message = text_message(text, sender="quarantine-report@hornetsecurity.com", name="Hornetsecurity Quarantine")
    gateway = F("auth.mail_gateway_sender", -0.3, {"domain": "hornetsecurity.com", "gateway": "hornetsecurity.com"})
    held = list(intent.analyze(message, Context(CONFIG, RESOURCES, findings=[gateway])))
    assert "intent.security_warning" in {f.code for f in held}
    bare = run(message)
    assert score(held) < score(bare) and "intent.bank_detail_change" in codes(bare)


def test_a_colleague_relaying_a_vendors_new_account_is_no_vendor_claim() -> None:
    """The finance director, after the call-back, tells accounts to record Transports Durand's new account (round
    56): the account is still not on file, but a colleague relaying it is not the vendor claiming it."""
    text = ("J'ai fait le contre-appel ce matin : tu peux créer le nouveau compte bancaire de Transports Durand, "
            "IBAN FR76 1695 8012 3400 0314 1592 619.")
    relayed = get(run(text_message(text, sender="marc.chaput@fonderie-martel.fr", name="Marc Chaput")),
                  "intent.vendor_iban_mismatch")
    outside = get(run(text_message(text, sender="compta@partenaire-exemple.fr", name="Service comptable")),
                  "intent.vendor_iban_mismatch")
    assert relayed.weight < 0.6 <= outside.weight


def test_gift_cards_ruled_out_are_not_asked_for() -> None:
    """"Pas de bons ni de cartes cadeaux : la fiduciaire nous l'a déconseillé" (round 57's CEO ordering the
    Saint-Éloi aperitif)."""
    text = "Peux-tu commander l'apéro chez le traiteur pour mardi ? Pas de bons ni de cartes cadeaux cette année."
    assert "intent.gift_card_request" not in codes(run(text_message(text)))


def test_describing_single_sign_on_is_no_credential_ask() -> None:
    """How a tool is signed into ("la connexion se fait avec votre compte Microsoft") is no ask; the change that
    makes the reader sign in anew ("se fait désormais via votre messagerie professionnelle") is."""
    assert "intent.credentials_request" not in codes(run(text_message(
        "Pour le reporting, la connexion à l'outil se fait avec votre compte Microsoft habituel.")))
    assert "intent.credentials_request" in codes(run(text_message(
        "La connexion se fait désormais via votre messagerie professionnelle : https://extranet.example/login")))
