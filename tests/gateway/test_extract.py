"""Finding the reported original: attached, .eml, .msg, inline (best effort), or nothing."""

from __future__ import annotations

import email
from email.message import EmailMessage

from rempart.gateway.extract import extract
from rempart.message.sources import OLE2_MAGIC
from tests.gateway.conftest import message

ORIGINAL = message("credential-phish-fr.eml")


def report(*, attach: bytes | None = None, filename: str = "", ctype: str = "application/octet-stream",
           text: str = "Bonjour, message suspect.\n") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "claire.martin@cabinet-example.fr"
    mail["Subject"] = "TR: suspect"
    mail.set_content(text)
    if attach is not None:
        main, _, sub = ctype.partition("/")
        mail.add_attachment(attach, maintype=main, subtype=sub, filename=filename)
    return mail


def test_message_rfc822_part_byte_for_byte() -> None:
    # built by hand so the attached part is exactly ORIGINAL (7bit, not re-encoded)
    boundary = b"==b=="
    raw = (b"From: claire.martin@cabinet-example.fr\r\nSubject: TR\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n"
           b"--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\nvoir ci-joint\r\n"
           b"--" + boundary + b"\r\nContent-Type: message/rfc822\r\n\r\n" + ORIGINAL + b"\r\n"
           b"--" + boundary + b"--\r\n")
    [found] = extract(raw).originals
    assert found.how == "attached" and not found.best_effort
    assert found.raw.rstrip(b"\r\n") == ORIGINAL.rstrip(b"\r\n")


def test_outlook_style_forward_as_attachment() -> None:
    mail = report()
    mail.add_attachment(email.message_from_bytes(ORIGINAL))
    [found] = extract(mail.as_bytes()).originals
    assert found.how == "attached"
    assert b"m365-securite.pages.dev" in found.raw


def test_eml_file_exactly_and_broken_msg_reported() -> None:
    mail = report(attach=ORIGINAL, filename="suspect.eml")
    mail.add_attachment(OLE2_MAGIC + b"not really outlook", maintype="application", subtype="vnd.ms-outlook",
                        filename="autre.msg")
    found = extract(mail.as_bytes())
    assert [(o.how, o.raw == ORIGINAL, o.name) for o in found.originals] == [("eml", True, "suspect.eml")]
    assert found.problems == ["the attached Outlook file autre.msg could not be read"]


def test_a_text_file_named_eml_is_not_a_message() -> None:
    mail = report(attach=b"just some notes, no headers", filename="notes.eml", ctype="text/plain")
    assert extract(mail.as_bytes()).originals == []


def test_inline_forwards_in_english_and_french() -> None:
    english = report(text=(
        "See below.\n\n---------- Forwarded message ---------\n"
        "From: IT Support <helpdesk@support-portal.example>\nDate: Mon, Jan 13, 2025 at 9:02 AM\n"
        "Subject: Mailbox full\nTo: <claire.martin@cabinet-example.fr>\n\n"
        "Your mailbox is full. Sign in to keep receiving mail.\n"))
    [found] = extract(english.as_bytes()).originals
    assert found.how == "inline" and found.best_effort
    parsed = email.message_from_bytes(found.raw)
    assert parsed["From"] == "IT Support <helpdesk@support-portal.example>"
    assert parsed["Subject"] == "Mailbox full"
    assert "Sign in to keep receiving mail." in parsed.get_payload(decode=False) or b"Sign in" in found.raw
    french = report(text=(
        "> De : Service Paie <paie@rh-portail.example> [mailto:paie@rh-portail.example]\n"
        "> Envoyé : lundi 13 janvier 2025 09:02\n> À : Claire Martin\n> Objet : Bulletin de salaire\n>\n"
        "> Votre bulletin est disponible.\n"))
    [found] = extract(french.as_bytes()).originals
    parsed = email.message_from_bytes(found.raw)
    assert "paie@rh-portail.example" in parsed["From"]
    assert parsed["X-Forwarded-Date"] == "lundi 13 janvier 2025 09:02"


def test_nothing_to_extract() -> None:
    assert extract(report(text="J'ai reçu un appel bizarre.\n").as_bytes()).originals == []
    assert extract(b"").originals == []
    assert extract(b"\x00\xff garbage without headers").originals == []


def test_bounded_on_hostile_nesting() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
    for depth in range(50):
        raw = (f"Content-Type: multipart/mixed; boundary=b{depth}\r\n\r\n--b{depth}\r\n".encode()
               + raw + f"\r\n--b{depth}--\r\n".encode())
    assert extract(raw).originals == []
