"""Spotting the reader's own address inside a link: phishing kits prefill the victim's e-mail on the
fake sign-in page, written plainly, %-encoded or in base64."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

MAX_RECIPIENTS = 20
_MIN_B64_CORE = 8  # shorter base64 fragments match by chance


@dataclass(frozen=True, slots=True)
class RecipientPattern:
    address: str
    needles: tuple[tuple[str, str], ...]  # (encoding, lower-cased text to look for)


def _base64_cores(address: str) -> list[str]:
    """The base64 text of ``address`` wherever it starts in an encoded blob (3 byte alignments),
    trimmed of the characters that depend on its neighbours."""
    raw = address.encode("utf-8")
    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + raw).decode("ascii")
        start = (offset * 4 + 2) // 3  # characters touched by the padding bytes
        end = (len(raw) + offset) * 8 // 6  # characters made only of the address's own bits
        core = encoded[start:end]
        if len(core) >= _MIN_B64_CORE:
            cores.append(core)
    return cores


def recipient_pattern(address: str) -> RecipientPattern:
    needles: list[tuple[str, str]] = [("plain", address)]
    encoded = quote(address, safe="").lower()
    if encoded != address:
        needles.append(("url-encoded", encoded))
    for core in _base64_cores(address):
        needles.append(("base64", core))  # case kept: base64 is case-sensitive
        urlsafe = core.replace("+", "-").replace("/", "_")
        if urlsafe != core:
            needles.append(("base64", urlsafe))
    return RecipientPattern(address, tuple(needles))


def recipient_patterns(addresses: Iterable[str], cache: dict[str, RecipientPattern] | None = None,
                       cache_limit: int = 10_000) -> list[RecipientPattern]:
    """Patterns for up to ``MAX_RECIPIENTS`` distinct addresses; ``cache`` keeps them across messages
    (an organisation's addresses recur in every message)."""
    patterns: list[RecipientPattern] = []
    seen: set[str] = set()
    for address in addresses:
        address = address.strip().lower()
        if "@" not in address or address in seen or len(patterns) >= MAX_RECIPIENTS:
            continue
        seen.add(address)
        pattern = cache.get(address) if cache is not None else None
        if pattern is None:
            pattern = recipient_pattern(address)
            if cache is not None:
                if len(cache) >= cache_limit:
                    cache.clear()
                cache[address] = pattern
        patterns.append(pattern)
    return patterns


def find_recipient(url: str, patterns: list[RecipientPattern]) -> tuple[str, str] | None:
    """``(address, encoding)`` of the first recipient whose address appears in ``url``."""
    lowered = url.lower()
    decoded = unquote(url) if "%" in url else url  # base64 "+" and "/" are often %-encoded in a query
    for pattern in patterns:
        for encoding, needle in pattern.needles:
            if encoding == "base64":
                if needle in url or needle in decoded:
                    return pattern.address, encoding
            elif needle in lowered:
                return pattern.address, encoding
    return None
