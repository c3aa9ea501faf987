"""The immutable view of one parsed email that every analyzer reads.

Parsing (``rempart.message.parse``) never raises on bad input: whatever it could not read
becomes a ``ParseDefect`` and the rest of the message is still filled in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class UrlOrigin(StrEnum):
    """Where in the message a URL was found."""

    TEXT = "text"  # bare URL in a text/plain body (or in HTML visible text)
    HREF = "href"  # <a href>
    FORM_ACTION = "form_action"  # <form action>
    IMAGE = "image"  # <img src>, CSS url(), background
    LINK_TEXT = "link_text"  # a URL written as the shown text of a link
    ATTACHMENT = "attachment"  # found inside an attachment (PDF, HTML file, QR code, ...)
    HEADER = "header"  # List-Unsubscribe and similar


@dataclass(frozen=True, slots=True)
class Address:
    name: str  # display name, RFC 2047-decoded, may be ""
    address: str  # lower-cased addr-spec, may be "" when unparseable

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] if "@" in self.address else ""

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]


@dataclass(frozen=True, slots=True)
class Header:
    name: str  # as written (case preserved)
    value: str  # unfolded and RFC 2047-decoded


@dataclass(frozen=True, slots=True)
class ReceivedHop:
    """One Received header, newest (closest to us) first in ``Message.received``."""

    raw: str
    from_host: str = ""  # the HELO / claimed name
    from_rdns: str = ""  # the reverse-DNS name the receiver recorded, if any
    from_ip: str = ""
    by_host: str = ""
    protocol: str = ""  # with ESMTPS / SMTP / HTTP / ...
    date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Url:
    url: str  # as found (stripped of surrounding punctuation)
    origin: UrlOrigin
    scheme: str = ""  # lower-case: http, https, mailto, data, ...
    host: str = ""  # lower-case, IDNA-decoded to Unicode where possible ("" for data:, mailto:)
    shown_text: str | None = None  # for HREF: the visible text of the link
    location: str = ""  # part path or attachment name it came from


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # decoded, "" when none
    declared_type: str  # Content-Type as declared, lower-case
    sniffed_type: str  # from the content's magic bytes (e.g. "application/pdf"), "" when unknown
    size: int
    sha256: str
    content: bytes  # decoded payload (bounded by Limits.max_attachment_bytes; see ``truncated``)
    part_path: str  # MIME path, e.g. "1.2"
    inline: bool = False  # Content-Disposition inline or referenced by Content-ID
    content_id: str = ""
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class ParseDefect:
    code: str  # short id, e.g. "mime_depth_exceeded", "bad_charset", "missing_from"
    detail: str = ""  # technical detail (not shown as prose to end users)
    part_path: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed email. Fields are decoded and bounded; nothing here raises on access."""

    headers: tuple[Header, ...] = ()
    subject: str = ""
    from_: tuple[Address, ...] = ()
    sender: Address | None = None  # the Sender: header, when present
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    return_path: str = ""  # lower-case address from Return-Path, "" when absent
    message_id: str = ""
    date: datetime | None = None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    text: str = ""  # the text/plain body (all text/plain parts joined), normalised newlines
    html: str = ""  # the raw HTML body (all text/html parts joined)
    html_text: str = ""  # visible text of the HTML body (scripts, styles, hidden parts removed)
    # The HTML's visible text has words the plain part lacks: a bland plain alternative beside a lure written only
    # in the HTML is a filter-evasion trick, and the reader sees the HTML.
    html_says_more: bool = False
    urls: tuple[Url, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    received: tuple[ReceivedHop, ...] = ()
    embedded: tuple[Message, ...] = ()  # nested message/rfc822 parts, parsed the same way
    defects: tuple[ParseDefect, ...] = ()
    raw_size: int = 0
    # The bytes as received (top-level message only): own DKIM verification needs them exactly.
    raw: bytes = field(default=b"", repr=False, compare=False)
    part_count: int = 0
    content_types: tuple[str, ...] = field(default=())  # every part's type, in MIME order

    @property
    def from_address(self) -> Address | None:
        return self.from_[0] if self.from_ else None

    @property
    def body_text(self) -> str:
        """What a reader sees: the plain text, or the HTML's visible text when there is no plain part or when it
        says more (mail clients show the HTML alternative)."""
        return self.html_text if self.html_says_more or not self.text.strip() else self.text

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitive; None when absent."""
        lowered = name.lower()
        for h in self.headers:
            if h.name.lower() == lowered:
                return h.value
        return None

    def top_headers(self, limit: int) -> Iterator[tuple[str, Header, ReceivedHop | None]]:
        """The first ``limit`` headers in order, each as (lower-case name, header, its parsed Received line or None):
        where a receiving server wrote what, read from the top of the block (``received`` holds the Received
        headers' parsed lines in the same order)."""
        hops = iter(self.received)
        for header in self.headers[:limit]:
            name = header.name.lower()
            yield name, header, (next(hops, None) if name == "received" else None)

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in message order (duplicates kept)."""
        lowered = name.lower()
        return [h.value for h in self.headers if h.name.lower() == lowered]
