"""The text of attached PDFs, read by the intent analyzer: the attachments analyzer extracts it (in its
bounded worker), the intent analyzer judges what it asks. Run through the real engine, in order."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from rempart.analyzers.payload.report import MAX_TEXT_CHARS, MAX_TEXT_LOCATIONS, Report
from rempart.config import Limits
from rempart.engine.engine import Engine
from rempart.engine.verdict import Verdict
from rempart.message.parse import parse_message
from tests.analyzers.payload import samples
from tests.analyzers.test_intent import CONFIG, DURAND_IBAN

# A valid IBAN that no one in the test organisation owns.
FOREIGN_IBAN = "FR76 1695 8012 3400 0314 1592 619"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(CONFIG)


def scan(engine: Engine, body: str, pdf_lines: list[str], *, sender: str = "Support <help.desk.4471@gmail.com>",
         subject: str = "Your order", name: str = "document.pdf", word: bool = False) -> Verdict:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "achats@fonderie-martel.fr"
    msg["Subject"] = subject
    msg.set_content(body)
    if word:
        msg.add_attachment(samples.docx_with_text(pdf_lines), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=name)
    else:
        msg.add_attachment(samples.pdf_with_text(pdf_lines), maintype="application", subtype="pdf", filename=name)
    return engine.scan_message(parse_message(msg.as_bytes(), Limits()))


def weights(verdict: Verdict) -> dict[str, float]:
    best: dict[str, float] = {}
    for f in verdict.findings:
        best[f.code] = max(best.get(f.code, 0.0), f.weight)
    return best


CALLBACK_RECEIPT = [
    "Thanks for trusting NortonLifeLock",
    "Your subscription has been renewed for another year.",
    "Order number: 88213-4471   Total charged: $499.99",
    "If you did not authorize this charge, call our billing department at +1 (808) 555-0142",
]


def test_a_callback_lure_sent_as_a_pdf_is_callback_phishing(engine: Engine) -> None:
    verdict = scan(engine, "Please see the attached receipt.", CALLBACK_RECEIPT, name="Receipt_88213.pdf")
    document = next(f for f in verdict.findings if f.code == "attachment.document_text")
    assert "Total charged" in document.evidence["text"]
    assert document.weight == 0.0
    callback = next(f for f in verdict.findings if f.code == "intent.callback_phishing")
    assert callback.weight >= 0.5
    assert callback.evidence["document"] == "Receipt_88213.pdf"
    assert callback.span is None  # not in the body: nothing to highlight there
    assert "+1" in callback.evidence["phone"]


def test_a_callback_lure_sent_as_a_word_document_is_read_too(engine: Engine) -> None:
    verdict = scan(engine, "Voir pièce jointe.", CALLBACK_RECEIPT, name="Receipt & Order.docx", word=True)
    document = next(f for f in verdict.findings if f.code == "attachment.document_text")
    assert "Thanks for trusting NortonLifeLock\nYour subscription" in document.evidence["text"]  # runs joined
    callback = next(f for f in verdict.findings if f.code == "intent.callback_phishing")
    assert callback.evidence["document"] == "Receipt & Order.docx"


def test_the_same_receipt_in_the_body_scores_as_the_pdf_does(engine: Engine) -> None:
    msg = EmailMessage()
    msg["From"] = "Support <help.desk.4471@gmail.com>"
    msg["To"] = "achats@fonderie-martel.fr"
    msg["Subject"] = "Your order"
    msg.set_content("\n".join(CALLBACK_RECEIPT))
    in_body = engine.scan_message(parse_message(msg.as_bytes(), Limits()))
    in_pdf = scan(engine, "Please see the attached receipt.", CALLBACK_RECEIPT)
    assert weights(in_body)["intent.callback_phishing"] == weights(in_pdf)["intent.callback_phishing"]


def test_new_bank_details_only_in_the_attached_rib_are_checked_against_the_vendor(engine: Engine) -> None:
    verdict = scan(
        engine,
        "Bonjour, suite à notre changement de banque, merci de mettre à jour nos coordonnées bancaires "
        "avec le RIB ci-joint pour les prochains règlements.",
        ["Transports Durand - Relevé d'identité bancaire", f"IBAN : {FOREIGN_IBAN}", "BIC : AGRIFRPP"],
        sender="Transports Durand <compta@transports-durand.fr>", subject="Nouveau RIB", name="RIB.pdf",
    )
    mismatch = next(f for f in verdict.findings if f.code == "intent.vendor_iban_mismatch")
    assert mismatch.weight >= 0.8
    assert mismatch.evidence["iban"] == FOREIGN_IBAN
    assert mismatch.evidence["document"] == "RIB.pdf"


def test_a_vendor_invoice_with_the_iban_on_file_raises_nothing(engine: Engine) -> None:
    verdict = scan(
        engine,
        "Bonjour, veuillez trouver ci-joint notre facture F-2026-311. Cordialement, Transports Durand",
        ["Transports Durand - Facture F-2026-311", "Total TTC : 1 284,00 EUR",
         "Merci de régler cette facture avant le 30/12/2026 par virement.", f"IBAN : {DURAND_IBAN}",
         "Pénalités de retard : 3 fois le taux d'intérêt légal."],
        sender="Transports Durand <compta@transports-durand.fr>", subject="Facture F-2026-311", name="F-2026-311.pdf",
    )
    found = weights(verdict)
    assert found.get("intent.vendor_iban_mismatch", 0.0) == 0.0
    # "please pay this invoice" is what an invoice is: not a request read out of the document
    assert not any(f.code == "intent.payment_request" and "document" in f.evidence for f in verdict.findings)
    assert verdict.score < 0.3


def test_document_text_is_bounded() -> None:
    report = Report()
    report.add_text("big.pdf", "mot " * 50_000)
    assert len(report.texts["big.pdf"]) == MAX_TEXT_CHARS
    for n in range(10):
        report.add_text(f"doc{n}.pdf", "texte")
    assert len(report.texts) == MAX_TEXT_LOCATIONS
