"""Reading one link: its parts, an IP written as a host, a wrapped or redirected destination.

Everything here is a pure function of a string; nothing knows about messages or findings.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from rempart.domains import public_suffix
from rempart.message.urls import normalise_host

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]{0,30}):")
_IPV4_PART = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_HOST_IN_TEXT = re.compile(
    r"^(?:(?P<scheme>https?|ftp)://)?(?P<userinfo>[^/@\s]+@)?(?P<host>(?:[\w\-]++\.)++[\w\-]{2,63})"
    r"(?::\d{1,5})?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]+")


@dataclass(frozen=True, slots=True)
class UrlParts:
    scheme: str
    userinfo: str  # what precedes "@" in the authority, "" when none
    host: str  # lower-case, as written (no IDNA decoding), brackets stripped
    port: int | None
    path: str
    query: str
    fragment: str


@lru_cache(maxsize=16384)
def split_url(url: str) -> UrlParts:
    """Split ``url`` the way a browser does for http(s): backslashes count as slashes, the last ``@``
    ends the user-info. Never raises; a part it cannot read is empty."""
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    rest = url[match.end():] if match else url
    if scheme in ("http", "https", "ftp", ""):
        rest = rest.replace("\\", "/")
    if not rest.startswith("//"):
        if scheme == "" and rest[:4].lower() == "www.":
            rest = "//" + rest
            scheme = "http"
        else:
            return UrlParts(scheme, "", "", None, rest, "", "")
    rest = rest[2:]
    end = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1 and pos < end:
            end = pos
    authority, tail = rest[:end], rest[end:]
    userinfo, _, hostport = authority.rpartition("@")
    port: int | None = None
    if hostport.startswith("["):
        host, _, after = hostport[1:].partition("]")
        port_text = after[1:] if after.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    if port_text.isdigit() and len(port_text) <= 5:
        port = int(port_text)
    fragment = ""
    if "#" in tail:
        tail, _, fragment = tail.partition("#")
    path, _, query = tail.partition("?")
    return UrlParts(scheme, userinfo, host.lower().rstrip("."), port, path, query, fragment)


def _ipv4_number(part: str) -> int | None:
    if not _IPV4_PART.match(part):
        return None
    if part.startswith("0x"):
        return int(part, 16) if len(part) > 2 else 0
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if all(c in "01234567" for c in part) else None
    return int(part)


@lru_cache(maxsize=8192)
def ip_literal(host: str) -> tuple[str, bool] | None:
    """``(address, encoded)`` when ``host`` is an IP address, else None.

    ``encoded`` is True for the forms browsers accept but people cannot read: a single decimal
    number (``3232235777``), hex (``0xc0a80101``), octal (``0300.0250.01.01``) or fewer than four parts.
    """
    host = host.strip("[]").lower()
    if not host:
        return None
    if ":" in host:
        try:
            return (str(ipaddress.IPv6Address(host.split("%")[0])), False)
        except ValueError:
            return None
    parts = host.split(".")
    if len(parts) > 4 or not all(parts):
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    # inet_aton: the last part fills all remaining bytes.
    limits = [255] * (len(values) - 1)
    if any(v > lim for v, lim in zip(values, limits, strict=False)) or values[-1] >= 256 ** (5 - len(values)):
        return None
    total = 0
    for v in values[:-1]:
        total = total * 256 + v
    total = total * 256 ** (5 - len(values)) + values[-1]
    address = str(ipaddress.IPv4Address(total))
    plain = len(parts) == 4 and all(p.isdigit() and (p == "0" or not p.startswith("0")) for p in parts)
    return (address, not plain)


def is_private_ip(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved


def query_params(query: str) -> list[tuple[str, str]]:
    """Decoded ``(name, value)`` pairs, bounded; also reads ``#!``/``#/`` fragments written as queries."""
    if not query:
        return []
    return list(_parsed_query(query[:4096]))  # a new list each time: callers may extend it


@lru_cache(maxsize=4096)
def _parsed_query(query: str) -> tuple[tuple[str, str], ...]:
    """``parse_qsl`` of one query, kept: a link's query is read by the unwrapping, OAuth and redirect
    checks in turn."""
    try:
        return tuple(parse_qsl(query, keep_blank_values=False, max_num_fields=64))
    except ValueError:
        return ()


def as_url(value: str) -> str | None:
    """``value`` when it is itself an absolute web address (after up to two rounds of %-decoding)."""
    for _ in range(3):
        v = value.strip()
        low = v[:8].lower()
        if low.startswith(("http://", "https://")) or (low.startswith("//") and "." in v[:64]):
            return v
        if low.startswith("www.") and "." in v[4:64]:
            return v
        if "%" not in v:
            return None
        value = unquote(v)
    return None


_URLDEFENSE_V3 = re.compile(r"^/v3/__(?P<url>.+?)__;", re.DOTALL)


def unwrap(parts: UrlParts, wrappers: Mapping[str, str]) -> str | None:
    """The destination a link-protection service (Safe Links, URL Defense, ...) encodes in ``parts``,
    or None when the link is not wrapped. ``wrappers``: host suffix -> parameter carrying it."""
    host = parts.host
    if host in ("urldefense.com", "urldefense.proofpoint.com"):
        m = _URLDEFENSE_V3.match(parts.path)
        if m:
            return m.group("url")
        for name, value in query_params(parts.query):
            if name == "u":  # v2: "-" stands for "%" and "_" for "/"
                return as_url(value.replace("-", "%").replace("_", "/"))
        return None
    labels = host.split(".")
    for i in range(len(labels) - 1):
        param = wrappers.get(".".join(labels[i:]))
        if param is not None:
            for name, value in query_params(parts.query):
                if name.lower() == param:
                    return as_url(value)
            return None
    return None


def shown_host(text: str, filename_suffixes: frozenset[str]) -> str | None:
    """The host named by a link's visible text when the whole text is a web address or a domain
    (``https://www.mabanque.fr/compte``, ``www.mabanque.fr``, ``mabanque.fr``), else None.

    The ending must be a real public suffix; one that is also a common file extension (``setup.py``,
    ``README.md``, ``photos.zip``) counts only with a scheme or ``www.``. User-info
    (``paypal.com@…``) is skipped as a browser would.
    """
    cleaned = _INVISIBLE.sub("", text).strip().strip("<>()[]\"'«»“”‘’.,;:!")
    if not cleaned or len(cleaned) > 2048 or "." not in cleaned or any(c.isspace() for c in cleaned):
        return None
    m = _HOST_IN_TEXT.match(cleaned)
    if m is None:
        return None
    if m.group("userinfo") and not m.group("scheme"):
        return None  # an e-mail address, not a web address
    host = m.group("host").lower()
    if len(host) > 253:
        return None
    tld = host.rsplit(".", 1)[-1]
    if tld.isdigit() or not public_suffix(host):  # "Facture_mars.pdf" is a file name, not a site
        return None
    if not m.group("scheme") and not host.startswith("www.") and tld in filename_suffixes:
        return None
    return host


@lru_cache(maxsize=8192)
def display_host(raw: str) -> str:
    """A host as ``Url.host`` writes it (``normalise_host``): lower-case, %-decoded, punycode shown as Unicode when
    valid, without a linkifier's trailing punctuation."""
    return normalise_host(raw.strip().strip("[]"))
