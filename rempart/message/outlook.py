"""Outlook ``.msg`` files → RFC 822 bytes, so they go through the same parser as every other message.

Headers come from the message's stored transport headers when it has them (a received message
does: they carry Received, Authentication-Results and the original From), else they are
synthesised from its MAPI fields. Bodies (text, HTML) and attachments are re-encoded in base64;
an attached ``.msg`` becomes a ``message/rfc822`` part. Reading uses ``extract_msg``; the conversion
itself only needs an object with the same few attributes, so it is testable without a .msg file.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

_MIME_HEADERS = re.compile(
    r"^(?:content-type|content-transfer-encoding|mime-version|content-disposition)[ \t]*:"
    r".*(?:\r?\n[ \t].*)*\r?\n?",
    re.IGNORECASE | re.MULTILINE,
)
_OUTLOOK_PREAMBLE = "Microsoft Mail Internet Headers Version 2.0"
MAX_NESTED_MSG = 5


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _header_line(name: str, value: str) -> str:
    return f"{name}: {' '.join(value.split())}\r\n" if value.strip() else ""


def _headers(msg: Any) -> str:
    stored = _text(getattr(msg, "headerText", None)).strip()
    if stored.startswith(_OUTLOOK_PREAMBLE):
        stored = stored[len(_OUTLOOK_PREAMBLE):].lstrip()
    if stored:
        kept = _MIME_HEADERS.sub("", stored.replace("\r\n", "\n")).strip("\n")
        return kept.replace("\n", "\r\n") + "\r\n"
    date = getattr(msg, "date", None)
    date_text = format_datetime(date) if isinstance(date, datetime) and date.tzinfo else _text(date)
    return "".join((
        _header_line("From", _text(getattr(msg, "sender", None))),
        _header_line("To", _text(getattr(msg, "to", None))),
        _header_line("Cc", _text(getattr(msg, "cc", None))),
        _header_line("Subject", _text(getattr(msg, "subject", None))),
        _header_line("Date", date_text),
        _header_line("Message-ID", _text(getattr(msg, "messageId", None))),
        _header_line("In-Reply-To", _text(getattr(msg, "inReplyTo", None))),
    ))


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


def _param(name: str, value: str) -> str:
    """RFC 2231 form, which keeps any character of a file name."""
    return f"{name}*=utf-8''{quote(value, safe='')}"


def _attachment(att: Any, depth: int) -> str:
    name = _text(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None)
                 or getattr(att, "displayName", None))
    data = getattr(att, "data", None)
    content_id = _text(getattr(att, "contentId", None) or getattr(att, "cid", None)).strip("<>")
    hidden = bool(getattr(att, "hidden", False))
    disposition = "inline" if hidden or content_id else "attachment"
    extra = f"Content-ID: <{content_id}>\r\n" if content_id else ""
    if data is not None and not isinstance(data, (bytes, bytearray)) and hasattr(data, "attachments"):
        if depth >= MAX_NESTED_MSG:
            return ""
        inner = to_rfc822(data, depth + 1).decode("utf-8", "surrogateescape")
        return (f"Content-Type: message/rfc822\r\n"
                f"Content-Disposition: {disposition}; {_param('filename', name)}\r\n{extra}\r\n{inner}")
    mimetype = _text(getattr(att, "mimetype", None)) or "application/octet-stream"
    payload = bytes(data) if isinstance(data, (bytes, bytearray)) else b""
    return (f"Content-Type: {mimetype}; {_param('name', name)}\r\n"
            f"Content-Disposition: {disposition}; {_param('filename', name)}\r\n{extra}"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(payload)}")


def to_rfc822(msg: Any, depth: int = 0) -> bytes:
    """RFC 822 bytes for an ``extract_msg`` message (or any object with the same attributes)."""
    mixed, alternative = f"=_rempart_msg_{depth}_mixed", f"=_rempart_msg_{depth}_alt"
    bodies: list[str] = []
    text = _text(getattr(msg, "body", None))
    if text:
        bodies.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                      + _b64(text.encode("utf-8")))
    html = getattr(msg, "htmlBody", None)
    if html:
        html_bytes = html if isinstance(html, bytes) else _text(html).encode("utf-8")
        bodies.append("Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                      + _b64(html_bytes))
    parts = [f"Content-Type: multipart/alternative; boundary=\"{alternative}\"\r\n\r\n"
             + "".join(f"--{alternative}\r\n{b}\r\n" for b in bodies) + f"--{alternative}--\r\n"]
    for att in getattr(msg, "attachments", None) or []:
        rendered = _attachment(att, depth)
        if rendered:
            parts.append(rendered)
    out = (_headers(msg) + f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{mixed}\"\r\n\r\n"
           + "".join(f"--{mixed}\r\n{p}\r\n" for p in parts) + f"--{mixed}--\r\n")
    return out.encode("utf-8", "surrogateescape")


def read_msg(path: str) -> bytes:
    """Open an Outlook .msg file and convert it; raises on unreadable files (the caller records why)."""
    import extract_msg  # imported here: only .msg input needs it

    msg = extract_msg.openMsg(path)
    try:
        return to_rfc822(msg)
    finally:
        msg.close()
