"""Finding URLs in text and turning a raw link into a ``Url`` with its scheme and host.

Host convention: ``Url.host`` is lower-case and, for punycode labels (``xn--``) that decode validly,
the Unicode form (``xn--pypal-4ve.com`` → ``pаypal.com``), so homoglyph checks see what a reader sees.
``Url.url`` keeps the link exactly as written, so the raw ``xn--`` form stays detectable there.
A bare ``www.`` link (no scheme) gets scheme ``http``, as mail clients link it. ``data:`` URLs are kept
to their first ``DATA_URL_KEEP`` characters (the media type and the start of the payload).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import idna

from rempart.message._cache import text_cache
from rempart.message._regex import case_insensitive_alternatives
from rempart.message.model import Url, UrlOrigin

DATA_URL_KEEP = 256
# ``\b(?:https?|ftp)://`` or ``\bwww\.``, case-insensitive, then the URL's characters; the first letter
# spelled by its cases so that the regex engine skips to it instead of trying every position of a long body.
_URL_STARTS = case_insensitive_alternatives((r"https?://", r"ftp://", r"www\."), word_start=True)
_BARE_URL = re.compile(
    rf"(?:{_URL_STARTS})"
    r"(?i:[^\s<>\"'`\x00-\x1f\x7f\u00a0\u200b-\u200d\u2028\u2029\ufeff]+)"
)
# "www." in text.lower(): only W and w lower-case to "w", only "." to "."
# (searched from its literal ".", which the regex engine finds faster than a class)
_WWW = re.compile(r"\.(?<=[wW][wW][wW]\.)")
_DOMAIN_LIKE = re.compile(r"[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}(?:/\S*)?", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]{0,30}):")
_CONTROL = re.compile(r"[\t\r\n]")
_AUTHORITY = re.compile(r"[^/?#]*")
_TRAILING = ".,;:!?'\"»›>*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_HIERARCHICAL = frozenset({"http", "https", "ftp", "ftps", "ws", "wss", "sftp", "file", "smb", "git", "ssh"})
_IGNORED_SCHEMES = frozenset({"cid", "mid", "about"})


def _trim(candidate: str) -> str:
    """Drop punctuation a sentence wraps around a URL: a trailing dot, an unbalanced parenthesis."""
    while candidate:
        last = candidate[-1]
        unbalanced = last in _CLOSERS and candidate.count(last) > candidate.count(_CLOSERS[last])
        if last in _TRAILING or unbalanced:
            candidate = candidate[:-1]
        else:
            break
    return candidate


def find_urls(text: str) -> list[str]:
    """Bare URLs (``http(s)://``, ``ftp://``, ``www.``) written in ``text``, in order."""
    if "://" not in text and _WWW.search(text) is None:
        return []
    found = []
    for match in _BARE_URL.finditer(text):
        url = _trim(match.group(0))
        if len(url) > 4 and not url.lower().endswith("://"):
            found.append(url)
    return found


def looks_like_url(text: str) -> str | None:
    """The URL written as ``text`` (a link's shown text), or None when it is not one."""
    stripped = text.strip()
    if not stripped or len(stripped) > 2048:
        return None
    urls = find_urls(stripped)
    if urls:
        return urls[0]
    # "paypal.com/login" shown without a scheme still claims a destination (it has a dot).
    return stripped if "." in stripped and _DOMAIN_LIKE.fullmatch(stripped) else None


_TRAILING_JUNK = ")}>,;'\"*!"


@text_cache(8192)
def normalise_host(raw_host: str) -> str:
    """Lower-case, without trailing dot or brackets, punycode decoded to Unicode when valid. Closing punctuation a
    linkifier left at the end ("(https://myminfin.be)" linked whole) is no part of any name DNS can hold: dropped,
    so the host is the site the writer meant rather than a different, unregistrable domain."""
    host = raw_host.strip().rstrip(".").lower()
    if host and host[-1] in _TRAILING_JUNK and not host.startswith("["):
        host = host.rstrip(_TRAILING_JUNK).rstrip(".")
    if "%" in host:
        host = unquote(host).lower()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    if "xn--" in host:
        try:
            return str(idna.decode(host))
        except (idna.IDNAError, UnicodeError, ValueError):
            labels = []
            for label in host.split("."):
                try:
                    labels.append(label.encode("ascii").decode("idna") if label.startswith("xn--") else label)
                except (UnicodeError, ValueError):
                    labels.append(label)
            return ".".join(labels)
    return host


def _authority(rest: str) -> str:
    if "\\" in rest:
        rest = rest.replace("\\", "/")
    # up to the first "/", "?" or "#" (one regex call rather than three find() calls)
    authority = _AUTHORITY.match(rest.lstrip("/")).group()  # type: ignore[union-attr]  # always matches
    authority = authority.rpartition("@")[2]
    if authority.startswith("["):
        return authority.partition("]")[0] + "]"
    return authority.partition(":")[0]


def make_url(raw: str, origin: UrlOrigin, shown_text: str | None = None, location: str = "") -> Url | None:
    """A ``Url`` for a link as written; None for what is no destination (empty, ``#``, relative, cid:)."""
    url = raw.strip(" \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x1f\"'")
    if "\t" in url or "\r" in url or "\n" in url:  # rare: skip the substitution's call otherwise
        url = _CONTROL.sub("", url)
    if not url or url.startswith("#"):
        return None
    match = _SCHEME.match(url)
    if match:
        scheme = match.group(1).lower()
        if scheme in _IGNORED_SCHEMES:
            return None
        rest = url[match.end():]
        if scheme == "data":
            return Url(url[:DATA_URL_KEEP], origin, "data", "", shown_text, location)
        # mailto:, tel:, javascript: ... have no host (the model says "" for them)
        host = normalise_host(_authority(rest)) if scheme in _HIERARCHICAL or rest.startswith("//") else ""
        return Url(url, origin, scheme, host, shown_text, location)
    if url.startswith("//"):
        return Url(url, origin, "", normalise_host(_authority(url)), shown_text, location)
    if url[:4].lower() == "www.":
        return Url(url, origin, "http", normalise_host(_authority(url)), shown_text, location)
    return None


def make_shown_url(written: str, location: str = "") -> Url | None:
    """A ``LINK_TEXT`` Url for a URL written as a link's text (``paypal.com/login`` gets its host too)."""
    url = make_url(written, UrlOrigin.LINK_TEXT, None, location)
    if url is not None:
        return url
    guess = make_url("http://" + written, UrlOrigin.LINK_TEXT, None, location)
    return Url(written, UrlOrigin.LINK_TEXT, "", guess.host, None, location) if guess else None
