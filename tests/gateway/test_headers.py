"""Header surgery on raw bytes: what is removed, what is added, and that nothing else changes."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import default

from rempart.gateway.headers import first_value, prepend, reasons_value, remove_prefixed, tag_subject

RAW = (b"Received: from a by b; Tue, 14 Jan 2025 08:12:44 +0100\r\n"
       b"X-Rempart-Verdict: clean\r\n"
       b"From: Alice <alice@example.org>\r\n"
       b"x-rempart-reasons: none,\r\n\tfolded.on.two=0.10\r\n"
       b"Subject: =?utf-8?q?R=C3=A9union?= de jeudi\r\n"
       b"Message-ID: <abc@example.org>\r\n"
       b"\r\n"
       b"X-Rempart-Verdict: clean (in the body: not a header)\r\n"
       b".line starting with a dot\r\n")


def test_remove_prefixed_fields_with_their_continuations() -> None:
    out, removed = remove_prefixed(RAW, "X-Rempart-")
    assert removed == 2
    head, body = out.split(b"\r\n\r\n", 1)
    assert b"rempart" not in head.lower() and b"folded" not in head
    assert body == RAW.split(b"\r\n\r\n", 1)[1]
    assert remove_prefixed(b"From: a\r\n\r\nbody", "X-Rempart-") == (b"From: a\r\n\r\nbody", 0)


def test_prepend_keeps_the_original_bytes_after_ours() -> None:
    out = prepend(RAW, [("X-Rempart-Verdict", "suspicious"), ("X-Rempart-Reasons", "a.b=0.50, " * 12)])
    assert out.endswith(RAW)
    added = out[: len(out) - len(RAW)]
    assert all(len(line) <= 80 for line in added.split(b"\r\n"))  # folded
    parsed = BytesParser(policy=default).parsebytes(out)
    assert parsed.get_all("X-Rempart-Verdict")[0] == "suspicious"
    assert prepend(b"From: a\n\nbody\n", [("X-A", "1")]) == b"X-A: 1\nFrom: a\n\nbody\n"  # LF stays LF


def test_tag_subject_once_and_encoded_when_needed() -> None:
    tagged = tag_subject(RAW, "[SUSPECT]")
    subject = BytesParser(policy=default).parsebytes(tagged)["Subject"]
    assert subject == "[SUSPECT] Réunion de jeudi"
    assert tag_subject(tagged, "[SUSPECT]") == tagged
    accented = tag_subject(RAW, "[DANGEREUX ⚠]")
    assert accented.isascii() or accented.split(b"\r\n\r\n")[0].isascii()
    assert BytesParser(policy=default).parsebytes(accented)["Subject"].startswith("[DANGEREUX ⚠] ")
    no_subject = tag_subject(b"From: a@b\r\n\r\nhello\r\n", "[X]")
    assert no_subject == b"From: a@b\r\nSubject: [X]\r\n\r\nhello\r\n"
    assert tag_subject(b"\r\nno headers at all\r\n", "[X]") == b"Subject: [X]\r\n\r\nno headers at all\r\n"
    assert tag_subject(b"Subject: x", "[X]") == b"Subject: [X] x\n"  # a header block without line end gets one


def test_first_value_and_reasons() -> None:
    assert first_value(RAW, "message-id") == b"<abc@example.org>"
    assert first_value(RAW, "reply-to") == b""
    assert reasons_value([("links.ip_host", 0.4), ("intent.payment_request", 0.123)]) == (
        "links.ip_host=0.40, intent.payment_request=0.12")
    assert reasons_value([]) == "none"
