"""Find the message an employee reported inside the mail they sent to the report mailbox.

In order of fidelity:

1. ``attached``: a ``message/rfc822`` part ("Forward as attachment", most "Report phishing"
   buttons) — the original bytes, headers and authentication results included;
2. ``eml``: an attached ``.eml`` file — the same, as a file;
3. ``msg``: an attached Outlook ``.msg`` file, converted by ``rempart.message.outlook``;
4. ``inline``: a plain forward. The forwarded header block ("From: / Sent: / To: / Subject:",
   "De : / Envoyé : / À : / Objet :", labels in ``data/forward_labels.toml``) and the text after it
   are rebuilt into a message, with the report's HTML part (where the links are) and its
   attachments. The real sender's headers and authentication are lost: the verdict is a best
   effort, and the feedback says so.

The MIME tree is walked over bytes (``rempart.message.mime``), so an attached original is returned
byte for byte, never re-serialised; depth and part count are bounded.
"""

from __future__ import annotations

import base64
import binascii
import os
import quopri
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from functools import cache
from importlib import resources

from rempart.message.charset import decode_text
from rempart.message.headers import decode
from rempart.message.html import view_html
from rempart.message.mime import parse_part, split_multipart
from rempart.message.outlook import read_msg
from rempart.message.sources import OLE2_MAGIC

MAX_DEPTH = 8
MAX_PARTS = 200
MAX_ORIGINALS = 5
_HEADER_LOOKAHEAD = 8
_LABEL = re.compile(r"^[\s>*_]*([^\s:*][^:*]{0,30}?)\s*\*?\s*:\s*\*?\s*(.*)$")
_MAILTO = re.compile(r"\[mailto:([^\]]+)\]")
_RFC822_HEAD = re.compile(rb"^(?:[!-9;-~]+:[^\n]*\n(?:[ \t][^\n]*\n)*){2,}", re.MULTILINE)


@dataclass(frozen=True)
class Original:
    raw: bytes
    how: str  # attached | eml | msg | inline
    name: str = ""  # the attachment's file name, when there was one

    @property
    def best_effort(self) -> bool:
        return self.how == "inline"


@dataclass
class _Leaf:
    content_type: str
    filename: str
    disposition: str
    data: bytes
    charset: str | None


@dataclass
class Extraction:
    originals: list[Original] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. an attached .msg that could not be read


@cache
def _labels() -> dict[str, frozenset[str]]:
    text = resources.files("rempart.gateway").joinpath("data/forward_labels.toml").read_text(encoding="utf-8")
    return {field_: frozenset(v) for field_, v in tomllib.loads(text).items()}


def _decoded(part_body: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        try:
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", part_body) + b"==", validate=False)
        except (binascii.Error, ValueError):
            return b""
    if encoding == "quoted-printable":
        return quopri.decodestring(part_body)
    return part_body


def _walk(data: bytes, depth: int, found: Extraction, leaves: list[_Leaf], budget: list[int]) -> None:
    part = parse_part(data)
    budget[0] -= 1
    ctype = part.content_type.lower()
    if ctype.startswith("multipart/") and part.boundary and depth < MAX_DEPTH:
        children, _ = split_multipart(part.body, part.boundary, MAX_PARTS)
        for child in children:
            if budget[0] <= 0:
                return
            _walk(child, depth + 1, found, leaves, budget)
        return
    if depth == 0:
        leaves.append(_Leaf(ctype, "", "", _decoded(part.body, part.transfer_encoding),
                            part.param("content-type", "charset")))
        return
    body = _decoded(part.body, part.transfer_encoding)
    name = decode(part.filename).strip() if part.filename else ""
    lowered = name.lower()
    if ctype in ("message/rfc822", "message/global") and body.strip():
        found.originals.append(Original(body, "attached", name))
    elif lowered.endswith(".eml") and _RFC822_HEAD.match(body.replace(b"\r\n", b"\n")):
        found.originals.append(Original(body, "eml", name))
    elif body.startswith(OLE2_MAGIC) and (lowered.endswith(".msg") or "outlook" in ctype):
        converted = _from_msg(body)
        if converted is None:
            found.problems.append(f"the attached Outlook file {name or '(no name)'} could not be read")
        else:
            found.originals.append(Original(converted, "msg", name))
    else:
        leaves.append(_Leaf(ctype, name, part.disposition.lower(), body, part.param("content-type", "charset")))


def _from_msg(data: bytes) -> bytes | None:
    fd, path = tempfile.mkstemp(suffix=".msg")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return read_msg(path)
    except Exception:  # a broken or hostile .msg: reported as a problem, never raised
        return None
    finally:
        os.unlink(path)


def extract(report: bytes) -> Extraction:
    found = Extraction()
    leaves: list[_Leaf] = []
    _walk(report, 0, found, leaves, [MAX_PARTS])
    if found.originals:
        found.originals = found.originals[:MAX_ORIGINALS]
        return found
    inline = _inline(leaves)
    if inline is not None:
        found.originals.append(Original(inline, "inline"))
    return found


def _text_of(leaf: _Leaf) -> str:
    return decode_text(leaf.data, leaf.charset)[0]


def _header_block(lines: list[str]) -> tuple[int, dict[str, str]] | None:
    """(index of the first body line, fields) of the first forwarded header block, if any."""
    labels = _labels()
    for start, line in enumerate(lines):
        match = _LABEL.match(line)
        if not match or match.group(1).strip().lower() not in labels["from"]:
            continue
        fields: dict[str, str] = {"from": match.group(2).strip()}
        end = start + 1
        for index in range(start + 1, min(len(lines), start + 1 + _HEADER_LOOKAHEAD)):
            m = _LABEL.match(lines[index])
            if not m:
                if lines[index].strip():
                    break
                end = index + 1
                if "subject" in fields:
                    break
                continue
            label = m.group(1).strip().lower()
            kind = next((k for k, names in labels.items() if label in names), None)
            if kind is None:
                break
            fields.setdefault(kind, m.group(2).strip())
            end = index + 1
        if "subject" in fields:
            return end, fields
    return None


def _inline(leaves: list[_Leaf]) -> bytes | None:
    texts = [leaf for leaf in leaves if leaf.content_type == "text/plain" and leaf.disposition != "attachment"]
    htmls = [leaf for leaf in leaves if leaf.content_type == "text/html" and leaf.disposition != "attachment"]
    block = None
    body_lines: list[str] = []
    for leaf in texts:
        lines = _text_of(leaf).splitlines()
        block = _header_block(lines)
        if block is not None:
            body_lines = [re.sub(r"^>\s?", "", line) for line in lines[block[0]:]]
            break
    if block is None:
        for leaf in htmls:  # an HTML-only forward: read its visible text for the header block

            lines = view_html(_text_of(leaf)).text.splitlines()
            block = _header_block(lines)
            if block is not None:
                body_lines = lines[block[0]:]
                break
    if block is None:
        return None
    fields = block[1]
    message = EmailMessage(policy=SMTP)
    for name, key in (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject")):
        value = _MAILTO.sub(r"<\1>", fields.get(key, "")).strip()
        if value:
            try:
                message[name] = value
            except (ValueError, TypeError):
                message[name] = value.encode("ascii", "replace").decode("ascii")
    if fields.get("date"):
        message["X-Forwarded-Date"] = fields["date"]  # as the client wrote it, often not an RFC 5322 date
    message.set_content("\n".join(body_lines).strip() + "\n")
    for leaf in htmls[:1]:
        message.add_alternative(_text_of(leaf), subtype="html")
    for leaf in leaves:
        if leaf.disposition == "attachment" or (leaf.filename and not leaf.content_type.startswith("text/")):
            main, _, sub = (leaf.content_type or "application/octet-stream").partition("/")
            message.add_attachment(leaf.data, maintype=main or "application", subtype=sub or "octet-stream",
                                   filename=leaf.filename or "attachment")
    return message.as_bytes()
