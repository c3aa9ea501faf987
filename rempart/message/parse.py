"""Raw RFC 822 bytes → ``Message``. Never raises: what cannot be read becomes a ``ParseDefect``.

``rempart.message.mime`` splits the MIME tree (bytes in, no recursion of its own); decoding of
headers, charsets, transfer encodings, HTML and URLs is done here, tolerantly and bounded by
``Limits``. Embedded ``message/rfc822`` parts become ``Message.embedded`` (their URLs and
attachments stay theirs, not the outer message's).
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from rempart.config import Limits
from rempart.message.charset import decode_text
from rempart.message.headers import (
    decode_value,
    first_address,
    message_ids,
    parse_addresses,
    parse_date,
    parse_received,
    unfold,
)
from rempart.message.html import view_html
from rempart.message.mime import Part, fix_surrogates, parse_part, split_multipart
from rempart.message.model import (
    Address,
    Attachment,
    Header,
    Message,
    ParseDefect,
    Url,
    UrlOrigin,
)
from rempart.message.sniff import sniff_type
from rempart.message.urls import find_urls, looks_like_url, make_shown_url, make_url

# Hidden HTML text is reported only when it is more than a newsletter's hidden preheader.
HIDDEN_TEXT_MIN_CHARS = 300
HIDDEN_TEXT_MIN_WHEN_DOMINANT = 100
MAX_DEFECTS_PER_CODE = 10
_SINGLETONS = ("from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
               "in-reply-to", "references")
_META_CHARSET = re.compile(rb"""(?i)<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_\-:.]{1,40})""")
_REQUIRED = {"from": "missing_from", "date": "missing_date", "message-id": "missing_message_id"}
_ANGLED = re.compile(r"<([^<>]+)>")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n\t "
_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_UUENCODINGS = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
NUL = b"\x00"
_PLAIN_ENCODINGS = frozenset({"", "7bit", "8bit", "binary", "none", "7-bit", "8-bit"})
# Words of three letters or more, compared between the plain and HTML alternatives (digits and short words are
# left out: dates, amounts and "de"/"of" say nothing about whether one part hides text from the other).
_WORDS = re.compile(r"[^\W\d_]{3,}")
# The HTML says more than the plain part when it has at least this many distinct words the plain part lacks, and
# they are at least this share of its distinct words (a footer or an "unsubscribe" line alone is not enough).
_HTML_MORE_WORDS = 10
_HTML_MORE_SHARE = 0.2


@dataclass(slots=True)
class _Budget:
    """Shared by a message and all its embedded messages: bounds the work, not just each level."""

    parts: int
    exhausted: bool = False


def _decode_uu(data: bytes) -> bytes:
    out = []
    for line in data.splitlines():
        if line.startswith((b"begin ", b"end")) or not line.strip():
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except (binascii.Error, ValueError):
            continue
    return b"".join(out)


def _decode_base64(data: bytes) -> tuple[bytes, bool]:
    """Decoded bytes, and whether the input was damaged (foreign characters, bad padding)."""
    junk = bool(data.translate(None, _BASE64_ALPHABET))
    try:
        return binascii.a2b_base64(data), junk
    except (binascii.Error, ValueError):
        clean = _BASE64_JUNK.sub(b"", data.partition(b"=")[0])
        if len(clean) % 4 == 1:
            clean = clean[:-1]
        try:
            return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4)), True
        except (binascii.Error, ValueError):
            return b"", True


@dataclass(slots=True)
class _Builder:
    limits: Limits
    budget: _Budget
    embedded_depth: int
    defects: list[ParseDefect] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    html_texts: list[str] = field(default_factory=list)
    urls: list[Url] = field(default_factory=list)
    url_keys: set[tuple[str, UrlOrigin]] = field(default_factory=set)
    attachments: list[Attachment] = field(default_factory=list)
    embedded: list[Message] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    defect_counts: Counter[str] = field(default_factory=Counter)
    hidden_chars: int = 0

    def defect(self, code: str, detail: str = "", part_path: str = "") -> None:
        self.defect_counts[code] += 1
        if self.defect_counts[code] <= MAX_DEFECTS_PER_CODE:
            self.defects.append(ParseDefect(code, fix_surrogates(detail[:300]), part_path))

    def add_url(self, raw: str, origin: UrlOrigin, shown_text: str | None = None, location: str = "") -> None:
        self.add(make_url(raw, origin, shown_text, location))

    def add(self, url: Url | None) -> None:
        if url is None or (url.url, url.origin) in self.url_keys:
            return
        if len(self.urls) >= self.limits.max_urls:
            self.defect("too_many_urls", f"more than {self.limits.max_urls}", url.location)
            return
        self.url_keys.add((url.url, url.origin))
        self.urls.append(url)

    # -- MIME tree ---------------------------------------------------------------------------------

    def walk(self, part: Part, path: str, depth: int) -> None:
        if self.budget.parts <= 0:
            if not self.budget.exhausted:
                self.budget.exhausted = True
                self.defect("too_many_parts", f"more than {self.limits.max_parts} MIME parts", path)
            return
        self.budget.parts -= 1
        ctype = part.content_type
        self.content_types.append(ctype)
        for code in part.defects:
            self.defect(code, "", path)
        if not ctype.startswith("multipart/"):
            self.leaf(part, ctype, path or "1")
            return
        if depth >= self.limits.max_mime_depth:
            self.defect("mime_depth_exceeded", f"deeper than {self.limits.max_mime_depth}", path)
            return
        boundary = part.boundary
        if not boundary:
            self.defect("mime_no_boundary", "", path)
            self.leaf(part, "text/plain", path or "1")  # what a reader would see: the raw content
            return
        if part.transfer_encoding not in _PLAIN_ENCODINGS:
            self.defect("multipart_bad_transfer_encoding", part.transfer_encoding[:60], path)
        chunks, defects = split_multipart(part.body, boundary, self.budget.parts + 1)
        for code in defects:
            if code != "too_many_parts":
                self.defect(code, f"boundary {boundary[:80]!r}", path)
        if not chunks:
            self.leaf(part, "text/plain", path or "1")
            return
        for index, chunk in enumerate(chunks, 1):
            self.walk(parse_part(chunk), f"{path}.{index}" if path else str(index), depth + 1)

    def payload_of(self, part: Part, path: str) -> bytes:
        cte = part.transfer_encoding
        data = part.body
        if cte == "base64":
            decoded, bad = _decode_base64(data)
            if bad:
                self.defect("bad_base64", "", path)
            return decoded
        if cte == "quoted-printable":
            return binascii.a2b_qp(data)
        if cte in _UUENCODINGS:
            return _decode_uu(data)
        if cte not in _PLAIN_ENCODINGS:
            self.defect("unknown_transfer_encoding", cte[:60], path)
        return data

    def leaf(self, part: Part, ctype: str, path: str) -> None:
        data = self.payload_of(part, path)
        filename = decode_value(part.filename)[0].strip() if part.filename else ""
        disposition = part.disposition
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            self.body(part, ctype, data, path)
        elif ctype in ("message/rfc822", "message/global"):
            if self.embedded_depth >= self.limits.max_embedded_depth:
                self.defect("embedded_depth_exceeded", f"deeper than {self.limits.max_embedded_depth}", path)
            else:
                self.embedded.append(_parse(data, self.limits, self.budget, self.embedded_depth + 1))
        elif ctype in ("message/delivery-status", "message/disposition-notification"):
            return  # report metadata, not content
        else:
            self.attachment(part, ctype, data, filename, disposition, path)

    def body(self, part: Part, ctype: str, data: bytes, path: str) -> None:
        declared = part.param("content-type", "charset") or None
        if declared is None and ctype == "text/html":
            meta = _META_CHARSET.search(data[:4096])
            declared = meta.group(1).decode("ascii") if meta else None
        text, charset_defect = decode_text(data, declared)
        if charset_defect:
            self.defect(charset_defect[0], charset_defect[1], path)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")  # CRLF and lone CR
        if "\x00" in text:
            text = text.replace("\x00", "")
        if len(text) > self.limits.max_text_chars:
            self.defect("text_truncated", f"{len(text)} characters", path)
            text = text[: self.limits.max_text_chars]
        if ctype == "text/plain":
            self.texts.append(text)
            for url in find_urls(text):
                self.add_url(url, UrlOrigin.TEXT, None, path)
            return
        self.htmls.append(text)
        view = view_html(text)
        if view.too_complex:
            self.defect("html_too_complex", "nesting too deep for a browser-like reading", path)
        self.hidden_chars += view.hidden_chars
        self.html_texts.append(view.text)
        shown_urls: set[str] = set()
        for raw, origin, shown in view.links:
            self.add_url(raw, origin, shown, path)
            if origin is UrlOrigin.HREF and shown:
                written = looks_like_url(shown)
                if written:
                    shown_urls.add(written)
                    self.add(make_shown_url(written, path))
        for url in find_urls(view.text):
            if url not in shown_urls:
                self.add_url(url, UrlOrigin.TEXT, None, path)

    def attachment(self, part: Part, ctype: str, data: bytes, filename: str,
                   disposition: str, path: str) -> None:
        limit = self.limits.max_attachment_bytes
        content_id = part.get("content-id").strip().strip("<>")
        self.attachments.append(Attachment(
            filename=filename,
            declared_type=ctype,
            sniffed_type=sniff_type(data[:limit]),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content=data[:limit],
            part_path=path,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
            content_id=content_id,
            truncated=len(data) > limit,
        ))

    # -- assembly ----------------------------------------------------------------------------------

    def headers(self, part: Part) -> list[tuple[str, str]]:
        if len(part.headers) > self.limits.max_headers:
            self.defect("too_many_headers", f"{len(part.headers)} headers, kept {self.limits.max_headers}")
            return part.headers[: self.limits.max_headers]
        return part.headers


def _addresses(builder: _Builder, values: list[tuple[str, str, str]], every: bool) -> tuple[Address, ...]:
    found: list[Address] = []
    for name, value, _ in values if every else values[:1]:
        addresses, malformed = parse_addresses(value)
        if malformed:
            builder.defect("malformed_address", f"{name}: {value.strip()[:200]}")
        found.extend(addresses)
    return tuple(found)


def _build(msg: Part, raw_size: int, limits: Limits, budget: _Budget, embedded_depth: int,
           initial_defects: list[ParseDefect], raw: bytes = b"") -> Message:
    builder = _Builder(limits, budget, embedded_depth)
    builder.defects.extend(initial_defects)
    items = builder.headers(msg)
    headers: list[Header] = []
    # (name as written, raw value, decoded value) by lower-case name: the decoded text is kept so that
    # first() and the Received hops reuse it instead of decoding the same value again.
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for name, value in items:
        if value.isascii() and "=?" not in value:
            # what decode_value gives, without its memo (most values are unique); unfold inlined
            decoded = value.strip() if "\n" not in value else unfold(value)
        else:
            decoded, unknown = decode_value(value)
            if unknown:
                builder.defect("unknown_charset", f"header {name}: {unknown[:60]}")
        headers.append(Header(name, decoded))
        lowered = name.lower()
        if lowered in by_name:
            by_name[lowered].append((name, value, decoded))
        else:
            by_name[lowered] = [(name, value, decoded)]

    def first(lowered: str) -> str:
        values = by_name.get(lowered)
        return values[0][2] if values else ""

    for name in _SINGLETONS:
        if len(by_name.get(name, ())) > 1:
            count = len(by_name[name])
            builder.defect("duplicate_from" if name == "from" else "duplicate_header", f"{name}: {count}")
    for name, code in _REQUIRED.items():
        if name not in by_name:
            builder.defect(code)

    date = parse_date(first("date")) if "date" in by_name else None
    if "date" in by_name and date is None:
        builder.defect("bad_date", first("date")[:100])
    sender = _addresses(builder, by_name.get("sender", []), every=False)
    for _, _, decoded in by_name.get("list-unsubscribe", []):
        for link in _ANGLED.findall(decoded):
            builder.add_url(link, UrlOrigin.HEADER, None, "header:List-Unsubscribe")

    try:
        builder.walk(msg, "", 0)
    except RecursionError:
        builder.defect("mime_depth_exceeded", "nesting too deep to walk")

    visible = sum(len(t) for t in builder.html_texts)
    if builder.hidden_chars >= HIDDEN_TEXT_MIN_CHARS or (
        builder.hidden_chars >= HIDDEN_TEXT_MIN_WHEN_DOMINANT and builder.hidden_chars > visible
    ):
        builder.defect("hidden_html_text", f"{builder.hidden_chars} hidden characters, {visible} visible")

    text = "\n".join(builder.texts)
    html_text = "\n".join(t for t in builder.html_texts if t)
    return Message(
        headers=tuple(headers),
        subject=first("subject").strip(),
        from_=_addresses(builder, by_name.get("from", []), every=False),
        sender=sender[0] if sender else None,
        reply_to=_addresses(builder, by_name.get("reply-to", []), every=False),
        to=_addresses(builder, by_name.get("to", []), every=True),
        cc=_addresses(builder, by_name.get("cc", []), every=True),
        return_path=first_address(first("return-path")),
        message_id=first("message-id"),
        date=date,
        in_reply_to=first("in-reply-to"),
        references=message_ids(first("references")),
        text=text,
        html="\n".join(builder.htmls),
        html_text=html_text,
        html_says_more=_html_says_more(text, html_text),
        urls=tuple(builder.urls),
        attachments=tuple(builder.attachments),
        received=tuple(parse_received(decoded) for _, _, decoded in by_name.get("received", [])),
        embedded=tuple(builder.embedded),
        defects=tuple(builder.defects),
        raw_size=raw_size,
        part_count=len(builder.content_types),
        content_types=tuple(builder.content_types),
        raw=raw,
    )


def _parse(raw: bytes, limits: Limits, budget: _Budget, embedded_depth: int, keep_raw: bool = False) -> Message:
    defects: list[ParseDefect] = []
    size = len(raw)
    if size > limits.max_message_bytes:
        detail = f"{size} bytes, parsed the first {limits.max_message_bytes}"
        defects.append(ParseDefect("message_too_large", detail))
        raw = raw[: limits.max_message_bytes]
    if NUL in raw:
        defects.append(ParseDefect("null_bytes", f"{raw.count(NUL)} NUL bytes"))
    return _build(parse_part(raw), size, limits, budget, embedded_depth, defects, raw if keep_raw else b"")


def parse_message(raw: bytes, limits: Limits) -> Message:
    """Parse one email. Never raises: any failure is recorded as a ``ParseDefect`` on the result."""
    try:
        data = bytes(raw)
        return _parse(data, limits, _Budget(limits.max_parts), 0, keep_raw=True)  # the bytes as parsed
    except Exception as err:  # last resort: a parser bug must not lose the message
        detail = f"{type(err).__name__}: {err}"
        return Message(raw_size=len(raw), defects=(ParseDefect("parser_error", detail[:300]),))


def _html_says_more(text: str, html_text: str) -> bool:
    """Whether the HTML alternative's visible text has clearly more words than the plain part (see Message)."""
    if not text.strip() or not html_text:
        return False
    html_words = set(_WORDS.findall(html_text.lower()))
    if len(html_words) < _HTML_MORE_WORDS:
        return False
    missing = html_words.difference(_WORDS.findall(text.lower()))
    return len(missing) >= _HTML_MORE_WORDS and len(missing) >= _HTML_MORE_SHARE * len(html_words)
