"""Header values: unfolding, RFC 2047 words, 8-bit bytes, addresses, dates and Received lines.

Everything here is tolerant (bad input gives a best-effort value plus a flag, never an exception)
and cached, because mailing lists repeat the same header values message after message.
"""

from __future__ import annotations

import binascii
import ipaddress
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from functools import lru_cache

from rempart.message._cache import text_cache
from rempart.message.charset import codec_for, detect_and_decode
from rempart.message.model import Address, ReceivedHop

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,80})\?([bBqQ])\?([^?]*)\?=")
_SURROGATES = re.compile("[\udc80-\udcff]+")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_BASE64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ANGLE = re.compile(r"<([^<>]*)>")
_MSG_ID = re.compile(r"<[^<>\s]*>")


def unfold(value: str) -> str:
    if "\n" not in value:
        return value.strip()
    return value.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", "\t").replace("\n", " ").strip()


def _fix_8bit(value: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the stdlib parser) read as UTF-8, else detected."""
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return detect_and_decode(raw) if len(raw) > 40 else raw.decode("cp1252", "replace")


def _fixed_run(match: re.Match[str]) -> str:
    return _fix_8bit(match.group(0))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    stripped = data.rstrip(b"=")
    # Usually the word is clean base64 with its padding: removing the trailing "=" is then all that
    # the substitution would do, without running the regex over it.
    data = stripped if not stripped.translate(None, _BASE64_CHARS) else _NOT_BASE64.sub(b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4)) if data else b""


def _decode_chunk(data: bytes, charset: str) -> tuple[str, str | None]:
    codec = codec_for(charset.partition("*")[0])  # RFC 2231 language suffix: =?utf-8*fr?...
    if codec is None:
        return detect_and_decode(data), charset
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        return detect_and_decode(data), None
    except (LookupError, ValueError):
        return detect_and_decode(data), charset


def _decode_pending(pending: list[bytes], charset: str, out: list[str], bad: str | None) -> str | None:
    """Decode the adjacent words gathered in one charset onto ``out`` and empty ``pending``; returns the
    first unknown charset met so far (``bad``, else this one's)."""
    text, unknown = _decode_chunk(b"".join(pending), charset)
    out.append(text)
    pending.clear()
    return bad or unknown


@text_cache(8192)
def decode_value(value: str) -> tuple[str, str | None]:
    """Unfolded, RFC 2047-decoded text of a raw header value, and an unknown charset name if one was met."""
    value = unfold(value)
    if not value.isascii():
        value = _SURROGATES.sub(_fixed_run, value)
    if "=?" not in value:
        return value, None
    out: list[str] = []
    pending: list[bytes] = []  # adjacent words in one charset are joined before decoding
    pending_charset = ""
    bad: str | None = None
    # split() gives [gap, charset, encoding, text, gap, ..., gap] in one call: cheaper per word than
    # a Match object and its group() calls (some headers, e.g. X-Microsoft-Antispam-Message-Info,
    # hold a hundred words and are too long for the memo).
    pieces = _ENCODED_WORD.split(value)
    for index in range(0, len(pieces) - 1, 4):
        gap = pieces[index]
        if gap and (gap.strip() or not pending):
            if pending:
                bad = _decode_pending(pending, pending_charset, out, bad)
            out.append(gap)
        word_charset, encoding, word = pieces[index + 1], pieces[index + 2], pieces[index + 3]
        charset = word_charset.lower()
        try:
            data = _word_bytes(encoding, word)
        except (binascii.Error, ValueError):
            if pending:
                bad = _decode_pending(pending, pending_charset, out, bad)
            out.append(f"=?{word_charset}?{encoding}?{word}?=")  # the word as written
            continue
        if pending and pending_charset != charset:
            bad = _decode_pending(pending, pending_charset, out, bad)
        if not pending:
            pending_charset = charset
        pending.append(data)
    if pending:
        bad = _decode_pending(pending, pending_charset, out, bad)
    out.append(pieces[-1])
    return "".join(out).replace("\r", "").replace("\n", " "), bad


def decode(value: str) -> str:
    return decode_value(value)[0]


_ADDR_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|<[^<>]*>?|[^,"(<]+|,')
_QUOTED_PAIR = re.compile(r"\\(.)")
_SPACE_RUN = re.compile(r"\s+")
_LOOSE_ADDRESS = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _mailbox(tokens: list[str]) -> tuple[str, str]:
    """(display name, address) of one mailbox's tokens; address "" when it has none."""
    address = ""
    words: list[str] = []
    comments: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            inner = token[1:].rstrip(">").strip()
            if inner or not address:
                address = inner.rpartition(":")[2] if inner.startswith("@") else inner  # source route
        elif token.startswith('"'):
            inner = token[1:-1] if token.endswith('"') and len(token) > 1 else token[1:]
            words.append(_QUOTED_PAIR.sub(r"\1", inner))
        elif token.startswith("("):
            comments.append(token[1:].rstrip(")").strip())
        else:
            words.append(token)
    text = _SPACE_RUN.sub(" ", " ".join(words)).strip()
    if ":" in text and not address and "@" not in text.partition(":")[0]:
        text = text.partition(":")[2]  # group syntax: "team: a@b.c;"
    text = text.strip(" ;")
    if not address:
        pieces = text.split()
        at = [p for p in pieces if "@" in p]
        if at:
            address = at[-1]
            text = " ".join(p for p in pieces if p is not at[-1])
    name = text or " ".join(c for c in comments if c)
    return name, address


@text_cache(4096)
def parse_addresses(raw_value: str) -> tuple[tuple[Address, ...], bool]:
    """Addresses of an address header (raw value, before RFC 2047 decoding) and whether it was malformed.

    Parsing the raw value first matters: a display name encoded as ``=?utf-8?b?...?=`` may decode to
    text with ``<``, ``@`` or ``,`` that must not become an address. An unquoted comma in a display
    name (``Service, Team <a@b.c>``, a spam habit) is read as mail clients show it: one mailbox whose
    name is the whole text, flagged as malformed.
    """
    value = unfold(raw_value)
    if not value.isascii() and _SURROGATES.search(value):
        value = _SURROGATES.sub(_fixed_run, value)
    if not value.strip(" ;:"):
        return (), False
    segments: list[list[str]] = [[]]
    for token in _ADDR_TOKEN.findall(value):
        if token == ",":
            segments.append([])
        else:
            segments[-1].append(token)
    addresses: list[Address] = []
    pending: list[str] = []  # text of segments without an address, merged into the next mailbox's name
    malformed = False
    for segment in segments:
        if not segment:
            continue
        name, address = _mailbox(segment)
        address = address.replace(" ", "").strip("<>\"'").lower().rstrip(".")
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            if name or address:
                malformed = True
                pending.append(name or address)
            continue
        if pending:
            name = ", ".join([*pending, name]) if name else ", ".join(pending)
            pending = []
        addresses.append(Address(decode(name).strip() if name else "", address))
    if pending:
        # Last resort for "Name,(<a@b.c>)" and the like: an address-looking word anywhere in the value.
        loose = _LOOSE_ADDRESS.search(value) if not addresses else None
        name = ", ".join(pending).replace(loose.group(0), "").strip(" ,<>()") if loose else ", ".join(pending)
        addresses.append(Address(decode(name).strip(), loose.group(0).lower() if loose else ""))
    return tuple(addresses), malformed


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DATE = re.compile(
    r"(?:\w{3},\s*)?(\d{1,2})\s+(\w{3})\w*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4})?"
)


def _fast_date(value: str) -> datetime | None:
    """The common RFC 5322 form, without the stdlib's general (slow) parser."""
    match = _DATE.match(value.strip())
    if match is None:
        return None
    day, name, year, hour, minute, second, zone = match.groups()  # one call, not seven group()
    month = _MONTHS.get(name.lower())
    if month is None or zone is None:
        return None
    try:
        return datetime(int(year), month, int(day), int(hour), int(minute), min(int(second or 0), 59),
                        tzinfo=_zone(zone))
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=256)
def _zone(zone: str) -> timezone:
    """``+0200`` → its fixed-offset zone (raises ValueError when out of range); few distinct values."""
    offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1)
    return timezone(timedelta(seconds=offset))


@text_cache(4096)
def parse_date(value: str) -> datetime | None:
    """An aware datetime (UTC when the zone is missing), or None when unreadable."""
    return _parse_date(value)


def _parse_date(value: str) -> datetime | None:
    """``parse_date`` without its memo, for values that hardly ever repeat (Received timestamps)."""
    fast = _fast_date(value)
    if fast is not None:
        return fast
    try:
        parts = parsedate_tz(value)
        if parts is None:
            return None
        year, month, day, hour, minute, second = parts[:6]
        offset = parts[9]
        naive = datetime(year, month, day, hour, minute, min(second, 59))
        if offset is None:
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=timezone(timedelta(seconds=offset)))
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def first_address(value: str) -> str:
    """The bare address in ``<...>`` (Return-Path), lower-case; "" for the null path ``<>``."""
    match = _ANGLE.search(value)
    return (match.group(1) if match else value).strip().lower()


def message_ids(value: str) -> tuple[str, ...]:
    ids = _MSG_ID.findall(value)
    return tuple(ids) if ids else tuple(value.split())


# A comment's body is written unrolled, ``[^()]*(?:\([^()]*\)[^()]*)*``, rather than as the alternation
# ``(?:[^()]|\([^()]*\))*``: the same strings (text with one level of nested parentheses), but matched
# a run at a time instead of one character per loop turn. Neither form can stop early before a ")"
# (a ")" only follows the longest run), so the match ends at the same place.
_RCV_FROM = re.compile(r"^\s*from\s+(\S+)(?P<comment>\s*\([^()]*(?:\([^()]*\)[^()]*)*\))*", re.IGNORECASE)
# ``\bby`` and ``\bwith`` (case-insensitive) written so that the pattern starts with a plain character
# class: the regex engine then skips quickly to the candidate letters instead of trying every position.
# The lookbehind after the first letter is the word boundary (the character before it is no word
# character, or there is none); ``b`` and ``w`` match only their two cases under IGNORECASE, and the
# rest keeps the flag, so the matches are the same.
# (Not message._regex's literal alternatives, which would repeat the capture group; with a single pattern
# the class is as fast.)
_RCV_BY = re.compile(r"[bB](?<!\w[bB])(?i:y\s+([^\s;()]+))")
_RCV_WITH = re.compile(r"[wW](?<!\w[wW])(?i:ith\s+([A-Za-z0-9\-_/.]+))")
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_RCV_BRACKET_IP = re.compile(r"\[(?:IPv6:)?([0-9a-fA-F:.]{3,45})\]")
_IPV6 = r"[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?"
_RCV_BARE_IP = re.compile(rf"(?<![\d.])({_IPV4})(?![\d.])|(?<![\w:])({_IPV6})")
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]*\.[A-Za-z]{2,}\.?$")


@lru_cache(maxsize=4096)
def _is_ip(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address. Memoised: relays' addresses repeat from message to
    message, and ``ipaddress`` is slow on IPv6; the candidates are short (at most 45 characters from
    a bracket literal, or a bare address), so the memo stays small."""
    if ":" not in text:
        return all(part.isdigit() and int(part) < 256 for part in text.split("."))
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _first_ip(text: str, bare: bool = True) -> str:
    """The first valid address in ``text``: a bracketed literal first, else (``bare``) a plain one."""
    found = _RCV_BRACKET_IP.search(text)
    if found and _is_ip(found.group(1)):
        return found.group(1)
    if bare and ("." in text or ":" in text):
        for match in _RCV_BARE_IP.finditer(text):
            candidate = match.group(1) or match.group(2)
            if _is_ip(candidate):
                return candidate
    return ""


def parse_received(raw_value: str) -> ReceivedHop:
    """One Received header, read by patterns that tolerate the many formats MTAs write.

    Not memoised: Received lines carry queue ids and timestamps, so they almost never repeat (27 hits
    in 19,915 calls on the dev corpus) and a memo only cost its upkeep.
    """
    raw = unfold(raw_value).replace("\t", " ")
    from_host = from_rdns = from_ip = ""
    head, _, date_part = raw.rpartition(";")
    if not head:
        head, date_part = raw, ""
    match = _RCV_FROM.match(head)
    by_search_from = 0
    if match:
        from_host = match.group(1).strip("[]").lower()
        clause = head[match.start(): match.end()]
        by_search_from = match.end()
        # The receiver's own record (in the comment) beats the address literal the sender claimed.
        comment = clause[clause.find(match.group(1)) + len(match.group(1)):]
        from_ip = _first_ip(comment) or _first_ip(clause, bare=False)
        comment_start = clause.find("(")
        if comment_start != -1:
            first = clause[comment_start + 1 :].split(None, 1)
            candidate = first[0].rstrip(")").lower() if first else ""
            if _HOSTNAME.match(candidate) and not candidate.startswith("helo="):
                from_rdns = candidate.rstrip(".")
        if not from_ip and _RCV_BARE_IP.fullmatch(from_host):
            from_ip = from_host
    by = _RCV_BY.search(head, by_search_from)
    with_ = _RCV_WITH.search(head, by.end() if by else by_search_from)
    return ReceivedHop(
        raw=raw,
        from_host=from_host,
        from_rdns=from_rdns,
        from_ip=from_ip,
        by_host=by.group(1).lower() if by else "",
        protocol=with_.group(1).upper() if with_ else "",
        date=_parse_date(date_part.strip()) if date_part.strip() else None,
    )
