"""Header surgery on raw message bytes: remove, add and tag without re-serialising the message.

The body and every header the filter does not touch stay byte for byte as received, so DKIM
signatures over them still verify downstream. Only the header block is split into fields (a field
is its first line plus its continuation lines); line endings follow the message's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from email.header import Header
from functools import cache

_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]*:")
FOLD_AT = 78


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header block with its lines' endings, rest starting with the blank line); joined back = raw.

    The blank line is the first line end followed by another (LF LF or LF CR LF): two ``find`` calls
    in C, the second bounded by the first, rather than a regex tried at every offset (this runs several
    times per message).
    """
    if raw.startswith((b"\r\n", b"\n")):
        return b"", raw
    crlf = raw.find(b"\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf + 1 if crlf >= 0 else len(raw))
    end = lf if lf >= 0 else crlf
    if end < 0:
        return raw, b""
    return raw[: end + 1], raw[end + 1:]


def line_ending(raw: bytes) -> bytes:
    newline = raw.find(b"\n")
    return b"\r\n" if newline > 0 and raw[newline - 1:newline] == b"\r" else b"\n"


def fields(head: bytes) -> list[bytes]:
    """The header fields of a header block, each with its continuation lines and their line endings."""
    out: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def field_name(field: bytes) -> bytes:
    match = _FIELD_NAME.match(field)
    return match.group(1).lower() if match else b""


@cache
def _field_pattern(name: str) -> re.Pattern[bytes]:
    return re.compile(rb"(?im)^" + re.escape(name.encode("ascii")) + rb"[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)")


def first_value(raw: bytes, name: str) -> bytes:
    """The raw (still folded) value of the first ``name`` field, or b""."""
    head, _ = split_message(raw)
    match = _field_pattern(name).search(head)
    return match.group(1).strip() if match else b""


def remove_prefixed(raw: bytes, prefix: str) -> tuple[bytes, int]:
    """``raw`` without every header field whose name starts with ``prefix`` (case-insensitive)."""
    head, rest = split_message(raw)
    wanted = prefix.lower().encode("ascii")
    if wanted not in head.lower():
        return raw, 0
    every = fields(head)
    kept = [f for f in every if not field_name(f).startswith(wanted)]
    return b"".join(kept) + rest, len(every) - len(kept)


def fold(name: str, value: str, eol: bytes) -> bytes:
    """``Name: value`` folded at white space near ``FOLD_AT`` columns (ASCII values only)."""
    words = value.split(" ")
    lines: list[str] = []
    current = f"{name}:"
    for word in words:
        if len(current) + 1 + len(word) > FOLD_AT and current.strip() and not current.endswith(":"):
            lines.append(current)
            current = " " + word
        else:
            current = f"{current} {word}"
    lines.append(current)
    return eol.join(line.encode("ascii", "replace") for line in lines) + eol


def prepend(raw: bytes, headers: Sequence[tuple[str, str]]) -> bytes:
    """``headers`` added at the top, in order (like a Received header: trace fields come first)."""
    eol = line_ending(raw)
    return b"".join(fold(name, value, eol) for name, value in headers) + raw


def encoded_word(text: str) -> str:
    """``text`` as is when ASCII, else one RFC 2047 encoded word."""
    if text.isascii():
        return text
    return Header(text, "utf-8").encode()


def tag_subject(raw: bytes, tag: str) -> bytes:
    """The subject with ``tag`` in front (once: a subject already starting with it is left alone)."""
    if not tag:
        return raw
    head, rest = split_message(raw)
    eol = line_ending(raw)
    plain = encoded_word(tag).encode("ascii")
    # White space between two encoded words is dropped by readers: the space then goes inside ours.
    spaced = encoded_word(tag + " ").encode("ascii")
    out: list[bytes] = []
    tagged = False
    for f in fields(head):
        if not f.endswith(b"\n"):
            f += eol  # a header block that ends the message without a line ending
        if not tagged and field_name(f) == b"subject":
            tagged = True
            name, _, value = f.partition(b":")
            stripped = value.lstrip(b" \t")
            if stripped.startswith((plain, spaced, tag.encode("utf-8"))):
                out.append(f)
            elif not stripped.strip():
                out.append(name + b": " + plain + eol)
            elif not tag.isascii() and stripped.startswith(b"=?"):
                out.append(name + b": " + spaced + b" " + stripped)
            else:
                out.append(name + b": " + plain + b" " + stripped)
        else:
            out.append(f)
    if not tagged:
        out.append(b"Subject: " + plain + eol)
    return b"".join(out) + rest


def reasons_value(reasons: Iterable[tuple[str, float]]) -> str:
    """``code=weight`` pairs, strongest first, for ``X-Rempart-Reasons``."""
    return ", ".join(f"{code}={weight:.2f}" for code, weight in reasons) or "none"
