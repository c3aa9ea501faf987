"""What can be said about a link's host alone, computed once per host and cached per engine."""

from __future__ import annotations

from dataclasses import dataclass

from confusable_homoglyphs import categories

from rempart.analyzers._links.tables import LinkTables, suffix_match
from rempart.analyzers._links.urlparts import ip_literal, is_private_ip
from rempart.analyzers.base import Resources
from rempart.analyzers.lookalike import LookalikeMatch, Owner, find_lookalike, owner_of
from rempart.domains import icann_registered_domain, registered_domain

_CACHE_LIMIT = 50_000
# Scripts that legitimately share a label (Japanese mixes kanji and kana; Latin letters and digits
# appear in any of them). Any other combination in one label is how homoglyph hosts are built.
_COMPATIBLE_SCRIPTS = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA", "LATIN"}),
    frozenset({"HAN", "HANGUL", "LATIN"}),
)
_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})


@dataclass(frozen=True, slots=True)
class HostInfo:
    host: str
    registered: str  # private suffixes count: "x.pages.dev"
    icann_registered: str  # "pages.dev"
    tld: str
    subdomain_labels: tuple[str, ...]  # labels left of the ICANN registered domain
    ip: str = ""  # the address when the host is an IP literal
    ip_encoded: bool = False  # decimal / hex / octal / short form
    ip_private: bool = False
    non_ascii: bool = False  # Unicode (punycode-decoded) labels
    punycode: bool = False  # "xn--" still present (undecodable) or written so
    mixed_script_label: str = ""
    shortener: str = ""
    free_hosting: str = ""  # matching host entry
    suspicious_tld: bool = False
    esp_tracking: str = ""
    owner: Owner | None = None  # who really owns the host (organisation, vendor, brand), if known
    lookalike: LookalikeMatch | None = None  # the protected domain it imitates, if any
    org: bool = False


def _mixed_script_label(host: str) -> str:
    for label in host.split("."):
        if label.isascii():
            continue
        scripts = categories.unique_aliases(label) - _NEUTRAL_SCRIPTS
        if len(scripts) > 1 and not any(scripts <= ok for ok in _COMPATIBLE_SCRIPTS):
            return label
    return ""


def _compute(host: str, t: LinkTables, resources: Resources) -> HostInfo:
    ip = ip_literal(host)
    if ip is not None:
        address, encoded = ip
        return HostInfo(host, host, host, "", (), ip=address, ip_encoded=encoded,
                        ip_private=is_private_ip(address))
    registered = registered_domain(host)
    icann = icann_registered_domain(host)
    sub = host[: -len(icann)].rstrip(".") if host.endswith(icann) and host != icann else ""
    tld = host.rsplit(".", 1)[-1]
    non_ascii = not host.isascii()
    return HostInfo(
        host=host,
        registered=registered,
        icann_registered=icann,
        tld=tld,
        subdomain_labels=tuple(sub.split(".")) if sub else (),
        non_ascii=non_ascii,
        punycode=any(label.startswith("xn--") for label in host.split(".")),
        mixed_script_label=_mixed_script_label(host) if non_ascii else "",
        shortener=suffix_match(host, t.shorteners) or "",
        free_hosting=suffix_match(host, t.free_hosts) or "",
        suspicious_tld=tld in t.suspicious_tlds,
        esp_tracking=suffix_match(host, t.esp_tracking) or "",
        owner=owner_of(host, resources),
        lookalike=find_lookalike(host, resources),
        org=icann in t.org_domains,
    )


def host_info(host: str, t: LinkTables, resources: Resources) -> HostInfo:
    cache: dict[str, HostInfo] = resources.cached("links:host_info", dict)
    info = cache.get(host)
    if info is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        info = cache[host] = _compute(host, t, resources)
    return info
