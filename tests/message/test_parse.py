"""parse_message on hand-written messages (tests/messages/parsing/) and on bytes built here."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from rempart.config import Limits
from rempart.message.model import Address, Message, UrlOrigin
from rempart.message.parse import parse_message

Load = Callable[..., Message]


def codes(message: Message) -> list[str]:
    return [d.code for d in message.defects]


def test_rfc2047_headers_addresses_and_threading(parsed: Load) -> None:
    m = parsed("rfc2047_names.eml")
    assert m.subject == "Facture n° 2025-031 à régler avant vendredi"
    assert m.from_ == (Address("Hélène Dupont", "helene.dupont@example.fr"),)
    assert m.to == (Address("Service comptabilité", "compta@rempart.test"), Address("", "bob@rempart.test"))
    assert m.cc == (Address("Martin, Paul", "paul.martin@rempart.test"),)
    assert m.reply_to == (Address("Hélène", "helene.dupont@example.fr"),)
    assert m.return_path == "bounce+x@mail.example.fr"
    assert m.date == datetime(2025, 3, 4, 9, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    assert m.message_id == "<20250304091230.1234@example.fr>"
    assert m.in_reply_to == "<prev-1@rempart.test>"
    assert m.references == ("<root-0@rempart.test>", "<prev-1@rempart.test>")
    assert m.header("subject") == m.subject
    assert [h.name for h in m.headers][:3] == ["Return-Path", "Received", "Received"]
    assert m.defects == ()


def test_quoted_printable_body_and_bare_urls(parsed: Load) -> None:
    m = parsed("rfc2047_names.eml")
    assert "facture n° 2025-031 sur https://factures.example.fr/2025-031 (à régler" in m.text
    text_urls = {u.url: u for u in m.urls if u.origin is UrlOrigin.TEXT}
    assert set(text_urls) == {"https://factures.example.fr/2025-031", "www.example.fr/conditions"}
    assert text_urls["www.example.fr/conditions"].scheme == "http"
    assert text_urls["www.example.fr/conditions"].host == "www.example.fr"
    assert text_urls["https://factures.example.fr/2025-031"].location == "1"


def test_list_unsubscribe_urls_have_header_origin(parsed: Load) -> None:
    m = parsed("rfc2047_names.eml")
    header_urls = [(u.url, u.scheme, u.host) for u in m.urls if u.origin is UrlOrigin.HEADER]
    assert header_urls == [
        ("https://lists.example.fr/unsub?u=42", "https", "lists.example.fr"),
        ("mailto:unsub@example.fr", "mailto", ""),
    ]


def test_received_hops_newest_first(parsed: Load) -> None:
    hops = parsed("rfc2047_names.eml").received
    assert [h.by_host for h in hops] == ["mail.rempart.test", "mx.example.fr"]
    assert (hops[0].from_host, hops[0].from_rdns, hops[0].from_ip, hops[0].protocol) == (
        "mx.example.fr",
        "mx.example.fr",
        "192.0.2.10",
        "ESMTPS",
    )
    assert hops[0].date == datetime(2025, 3, 4, 9, 12, 44, tzinfo=timezone(timedelta(hours=1)))
    # HELO was an address literal; the receiver recorded the real client address in the comment.
    assert (hops[1].from_host, hops[1].from_ip, hops[1].from_rdns) == ("10.0.0.5", "198.51.100.7", "")


def test_received_formats_are_tolerated() -> None:
    raw = (
        b"Received: from SN1PR01MB1.prod.outlook.com (2603:10b6:805:f::14) by SN2PR.outlook.com\r\n"
        b" (2603:10b6:805:ff::1) with Microsoft SMTP Server (version=TLS1_2) id 15.20; Tue, 4 Mar 2025 08:00:00 +0000\r\n"  # noqa: E501
        b"Received: garbage without keywords\r\n"
        b"Received: from helo.example (rdns.example [203.0.113.9]) by mx; not a date\r\n"
        b"From: a@b.example\r\n\r\nbody"
    )
    hops = parse_message(raw, Limits()).received
    assert hops[0].from_ip == "2603:10b6:805:f::14"
    assert hops[0].by_host == "sn2pr.outlook.com"
    assert hops[0].protocol == "MICROSOFT"
    assert hops[1].from_host == "" and hops[1].raw == "garbage without keywords"
    assert (hops[2].from_rdns, hops[2].from_ip, hops[2].date) == ("rdns.example", "203.0.113.9", None)


def test_wrong_and_missing_charsets_fall_back_to_detection(parsed: Load) -> None:
    m = parsed("wrong_charset.eml")
    assert m.subject == "Résumé du trimestre"
    assert m.text == "Le résumé du trimestre est prêt : échéance dépassée, merci de régulariser."
    assert m.html_text == "Déjà réglé ? Merci beaucoup, à bientôt."
    assert codes(m) == ["wrong_charset", "missing_charset"]
    assert m.defects[0].part_path == "1"


def test_unknown_charset_and_8bit_headers() -> None:
    raw = (
        "From: =?x-unknown-cs?q?Jos=E9?= <jose@example.es>\nSubject: Caf\xe9 cr\xe8me\n"
        "To: b@example.es\nContent-Type: text/plain; charset=x-klingon\n\nd\xe9j\xe0 vu"
    ).encode("latin-1")
    m = parse_message(raw, Limits())
    assert m.subject == "Café crème"
    assert m.from_[0].name == "José"
    assert m.text == "déjà vu"
    assert "unknown_charset" in codes(m)


def test_utf8_header_bytes_are_read_as_utf8() -> None:
    m = parse_message("From: Zoë <zoe@example.fr>\nSubject: Réunion à 10h\n\nok".encode(), Limits())
    assert m.subject == "Réunion à 10h"
    assert m.from_ == (Address("Zoë", "zoe@example.fr"),)


def test_html_visible_text_hidden_text_and_links(parsed: Load) -> None:
    m = parsed("html_tricks.eml")
    assert "Lorem ipsum" not in m.html_text  # display:none
    assert "zzz" not in m.html_text  # font-size:0
    assert "never" not in m.html_text and "Quota" not in m.html_text  # script, head/title
    assert "Your mailbox is almost full." in m.html_text
    assert "Password" in m.html_text  # zero-width space and soft hyphen removed
    assert m.body_text == m.html_text
    assert "hidden_html_text" in codes(m)
    by_origin: dict[UrlOrigin, list[str]] = {}
    for u in m.urls:
        by_origin.setdefault(u.origin, []).append(u.url)
    assert by_origin[UrlOrigin.FORM_ACTION] == ["https://collect.example.net/post"]
    assert by_origin[UrlOrigin.LINK_TEXT] == ["https://login.microsoftonline.com/"]
    assert set(by_origin[UrlOrigin.IMAGE]) >= {
        "https://cdn.example.net/bg.png",
        "https://cdn.example.net/body.jpg",
        "https://track.example.net/pixel.gif",
        "https://cdn.example.net/style.png",
    }
    assert not any(u.startswith("cid:") for u in by_origin[UrlOrigin.IMAGE])
    assert "https://script.example.net/never" not in [u.url for u in m.urls]
    assert by_origin[UrlOrigin.TEXT] == ["www.example.org"]
    hrefs = {u.url: u for u in m.urls if u.origin is UrlOrigin.HREF}
    assert "#" not in hrefs
    assert hrefs["https://evil.example.net/keep"].shown_text == "Keep my messages"
    assert hrefs["https://hidden.example.net/x"].shown_text == ""  # inside a hidden block


def test_punycode_host_is_decoded_and_raw_form_kept(parsed: Load) -> None:
    m = parsed("html_tricks.eml")
    link = next(u for u in m.urls if u.origin is UrlOrigin.HREF and "auth" in u.url)
    assert link.host == "login.micr\u043esoft.example"  # Cyrillic o: what the reader sees
    assert "xn--micrsoft-qbh.example" in link.url  # as written
    assert link.shown_text == "https://login.microsoftonline.com/"


def test_data_uri_is_kept_short_with_its_media_type(parsed: Load) -> None:
    data = next(u for u in parsed("html_tricks.eml").urls if u.scheme == "data")
    assert data.url.startswith("data:image/png;base64,") and data.host == ""
    assert data.origin is UrlOrigin.IMAGE


def test_attachments_names_types_and_hashes(parsed: Load) -> None:
    m = parsed("attachments.eml")
    by_name = {a.filename: a for a in m.attachments}
    assert set(by_name) == {"", "Facture échéance mars.pdf", "Contrat_signé.docx", "broken.pdf"}
    logo = by_name[""]
    assert (logo.declared_type, logo.sniffed_type, logo.inline, logo.content_id, logo.part_path) == (
        "image/png",
        "image/png",
        True,
        "logo@fournisseur",
        "1.2",
    )
    pdf = by_name["Facture échéance mars.pdf"]  # RFC 2231 continuation with charset
    assert (pdf.declared_type, pdf.sniffed_type, pdf.inline) == (
        "application/octet-stream",
        "application/pdf",
        False,
    )
    assert pdf.content.startswith(b"%PDF-1.4")
    import hashlib

    assert pdf.sha256 == hashlib.sha256(pdf.content).hexdigest() and pdf.size == len(pdf.content)
    docx = by_name["Contrat_signé.docx"]  # RFC 2047 inside the quoted name
    assert docx.sniffed_type == "application/vnd.ms-word.document.macroenabled.12"  # has vbaProject.bin
    assert "bad_base64" in codes(m) and by_name["broken.pdf"].content.startswith(b"%PDF-1.4")
    assert m.html_text == "Voir pièces jointes"
    assert m.content_types[:3] == ("multipart/mixed", "multipart/related", "text/html")
    assert m.part_count == len(m.content_types) == 7


def test_attachment_content_is_bounded() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.fr"
    msg.set_content("see attached")
    msg.add_attachment(
        b"MZ" + b"\x00" * 5000, maintype="application", subtype="octet-stream", filename="big.bin"
    )
    m = parse_message(msg.as_bytes(), Limits(max_attachment_bytes=1024))
    att = m.attachments[0]
    assert att.truncated and len(att.content) == 1024 and att.size == 5002
    assert att.sniffed_type == "application/x-msdownload"


def test_nested_message_is_parsed_separately(parsed: Load) -> None:
    m = parsed("nested_rfc822.eml")
    assert [u.url for u in m.urls] == ["https://intranet.rempart.test/report-phish"]
    assert m.attachments == ()
    (inner,) = m.embedded
    assert inner.subject == "Your account is limited"
    assert inner.from_ == (Address("PayPal", "service@paypa1.example"),)
    assert [u.url for u in inner.urls] == ["https://paypa1.example/restore"]
    assert [a.filename for a in inner.attachments] == ["limitation.pdf"]
    assert m.content_types == ("multipart/mixed", "text/plain", "message/rfc822")


def test_embedded_depth_is_bounded() -> None:
    raw = b"From: a@example.fr\nSubject: level 0\n\nhello"
    for level in range(1, 6):
        raw = (f"From: a@example.fr\nSubject: level {level}\nContent-Type: message/rfc822\n\n").encode() + raw
    m = parse_message(raw, Limits(max_embedded_depth=2))
    assert m.embedded[0].embedded[0].subject == "level 3"
    assert m.embedded[0].embedded[0].embedded == ()
    assert "embedded_depth_exceeded" in codes(m.embedded[0].embedded[0])


def test_duplicate_singletons_are_defects(parsed: Load) -> None:
    m = parsed("duplicate_from.eml")
    assert m.from_ == (Address("Direction", "pdg@rempart.test"),)
    assert m.header_values("from") == ['"Direction" <pdg@rempart.test>', "attacker@evil.example"]
    assert codes(m) == ["duplicate_from", "duplicate_header"]
    assert m.defects[1].detail == "subject: 2"


def test_missing_headers_and_garbage_addresses() -> None:
    m = parse_message(b"To: Rachid Ramiro\nDate: not a date\n\nhi", Limits())
    assert m.from_ == () and m.date is None
    assert set(codes(m)) >= {"missing_from", "missing_message_id", "malformed_address", "bad_date"}
    assert m.to == (Address("Rachid Ramiro", ""),)


def test_unquoted_comma_in_display_name_is_one_mailbox() -> None:
    m = parse_message(b"From: Service client, Banque <alerte@banque-secure.example>\n\nx", Limits())
    assert m.from_ == (Address("Service client, Banque", "alerte@banque-secure.example"),)
    assert "malformed_address" in codes(m)


def test_encoded_display_name_cannot_inject_an_address() -> None:
    name = base64.b64encode(b"PayPal <service@paypal.com>").decode()
    m = parse_message(f"From: =?utf-8?b?{name}?= <evil@attacker.example>\n\nx".encode(), Limits())
    assert m.from_ == (Address("PayPal <service@paypal.com>", "evil@attacker.example"),)


def test_null_bytes_and_oversized_messages_are_reported() -> None:
    raw = b"From: a@example.fr\nSubject: x\n\n" + b"A\x00B" + b"x" * 3000
    m = parse_message(raw, Limits(max_message_bytes=1024))
    assert set(codes(m)) >= {"message_too_large", "null_bytes"}
    assert m.raw_size == len(raw) and "\x00" not in m.text and len(m.text) < 1024


def test_url_count_is_bounded_and_duplicates_merged() -> None:
    body = " ".join(f"https://h{i}.example/x" for i in range(50)) + " https://h1.example/x" * 3
    m = parse_message(f"From: a@example.fr\n\n{body}".encode(), Limits(max_urls=10))
    assert len(m.urls) == 10 and "too_many_urls" in codes(m)
    m = parse_message(f"From: a@example.fr\n\n{body}".encode(), Limits())
    assert len(m.urls) == 50


def test_deep_multipart_nesting_is_bounded() -> None:
    depth = 1000
    head = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(depth))
    tail = "".join(f"\n--b{i}--" for i in reversed(range(depth)))
    raw = f"From: a@example.fr\n{head}Content-Type: text/plain\n\ndeep text{tail}\n".encode()
    m = parse_message(raw, Limits())
    assert "mime_depth_exceeded" in codes(m)
    assert m.part_count <= Limits().max_mime_depth + 1
    assert m.text == ""


def test_part_count_is_bounded() -> None:
    parts = "".join("--b\nContent-Type: text/plain\n\npart\n" for _ in range(2000))
    m = parse_message(
        f"From: a@example.fr\nContent-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n".encode(),
        Limits(max_parts=100),
    )
    assert m.part_count == 100 and "too_many_parts" in codes(m)


def test_huge_header_count_is_bounded() -> None:
    raw = b"From: a@example.fr\n" + b"X-Spam: y\n" * 100_000 + b"\nbody"
    m = parse_message(raw, Limits(max_headers=50))
    assert len(m.headers) == 50 and "too_many_headers" in codes(m)
    assert m.text == "body"  # headers past the bound are dropped, not read as body


def test_broken_multipart_is_read_as_text() -> None:
    m = parse_message(
        b"From: a@example.fr\nContent-Type: multipart/mixed\n\nVisit https://x.example/now", Limits()
    )
    assert "mime_no_boundary" in codes(m)
    assert "https://x.example/now" in m.text
    m = parse_message(
        b"From: a@example.fr\nContent-Type: multipart/mixed; boundary=zz\n\nno parts here", Limits()
    )
    assert "mime_start_boundary_missing" in codes(m) and "no parts here" in m.text


def test_longer_boundary_prefix_is_not_a_delimiter() -> None:
    raw = (
        b"From: a@example.fr\nContent-Type: multipart/mixed; boundary=ab\n\n--ab\n"
        b"Content-Type: multipart/alternative; boundary=abc\n\n--abc\nContent-Type: text/plain\n\ninner\n"
        b"--abc--\n--ab\nContent-Type: text/plain\n\nsecond\n--ab--\n"
    )
    m = parse_message(raw, Limits())
    assert m.text == "inner\nsecond"
    assert m.content_types == ("multipart/mixed", "multipart/alternative", "text/plain", "text/plain")


def test_message_without_headers_or_body() -> None:
    for raw in (b"", b"\n", b"just text, no header", b"\r\n\r\n"):
        m = parse_message(raw, Limits())
        assert isinstance(m, Message) and "missing_from" in codes(m)


def test_invalid_utf8_in_headers_never_leaks_surrogates() -> None:
    # Found by the fuzzer: 8-bit bytes in an RFC 2231 parameter, a Message-ID and a From header.
    raw = (b"From: Fou\xff\xff <a@b.example\nMessage-ID: <x\xda@\xdcy>\n"
           b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
           b"Content-Type: application/octet-stream; name*0*=utf-8''\xde%20x\n"
           b"Content-ID: <\xff>\n\nhi\n--b--\n")
    m = parse_message(raw, Limits())
    strings = [m.message_id, *(d.detail for d in m.defects), *(h.value for h in m.headers),
               *(a.filename + a.content_id for a in m.attachments)]
    for text in strings:
        text.encode("utf-8")
    assert m.attachments[0].filename.endswith(" x")


def _alternative(plain: str, html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Portail <noreply@portail.example>"
    msg["To"] = "compta@rempart.test"
    msg["Subject"] = "Action requise"
    msg.set_content(plain)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def test_the_html_alternative_is_read_when_it_says_what_the_plain_part_leaves_out() -> None:
    """Mail clients show the HTML: a bland plain part beside a lure written only in the HTML must not be all that is
    read. The same words in both parts, or an HTML part that only adds a footer, leave the plain text as the body."""
    lure = ("<p>Dear Agent,</p><p>A new proforma requires your action before the principal releases the funds held."
            " Please sign in with your Microsoft 365 work account to review and approve the statement today.</p>")
    m = parse_message(_alternative("A new proforma requires your action.\n", lure), Limits())
    assert m.html_says_more and "Microsoft 365 work account" in m.body_text
    same = "A new proforma requires your action. Please sign in to review and approve the statement today."
    m = parse_message(_alternative(same + "\n", f"<p>{same}</p><p>Unsubscribe</p>"), Limits())
    assert not m.html_says_more and m.body_text.startswith("A new proforma")
    assert "<p>" not in m.body_text
    # no plain part at all: the HTML's visible text, as before
    html_only = EmailMessage()
    html_only["From"] = "a@b.example"
    html_only.set_content(lure, subtype="html")
    assert "Dear Agent" in parse_message(html_only.as_bytes(), Limits()).body_text
