"""Domain helpers shared by every layer: registrable domain via the offline Public Suffix List."""

from __future__ import annotations

from functools import lru_cache

import tldextract

# The bundled PSL snapshot only: no fetch, no cache directory (the engine never touches the network).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
_EXTRACT_ICANN = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """``login.example.co.uk`` → ``example.co.uk``; private suffixes count (``x.pages.dev`` → ``x.pages.dev``).

    Returns the host itself when it has no registrable part (IP literals, single labels).
    """
    host = host.strip().lower().rstrip(".")
    if not host:
        return ""
    ext = _EXTRACT(host)
    return ext.top_domain_under_public_suffix or host


@lru_cache(maxsize=65536)
def icann_registered_domain(host: str) -> str:
    """Like ``registered_domain`` but ignoring private suffixes: ``x.pages.dev`` → ``pages.dev``."""
    host = host.strip().lower().rstrip(".")
    if not host:
        return ""
    ext = _EXTRACT_ICANN(host)
    return ext.top_domain_under_public_suffix or host


@lru_cache(maxsize=65536)
def public_suffix(host: str) -> str:
    return _EXTRACT_ICANN(host.strip().lower().rstrip(".")).suffix


@lru_cache(maxsize=65536)
def domain_label(host: str) -> str:
    """The registrable label without suffix: ``login.exemple-industrie.fr`` → ``exemple-industrie``."""
    return _EXTRACT_ICANN(host.strip().lower().rstrip(".")).domain


def is_subdomain_of(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def in_domains(host: str, domains: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    return any(is_subdomain_of(host, d) for d in domains)


# A name this short ("info", "mail") is shared by unrelated owners under different suffixes.
SAME_NAME_MIN_CHARS = 5


def same_name(a: str, b: str) -> bool:
    """Two registrable domains with the same name under different suffixes (``kovalis.fr``, ``kovalis.app``): how a
    company splits its mail and its application. Only for names of ``SAME_NAME_MIN_CHARS`` or more."""
    if not a or not b or a == b:
        return False
    label = domain_label(a)
    return len(label) >= SAME_NAME_MIN_CHARS and label == domain_label(b)


# Gmail delivers name.surname, namesurname and name.surname+tag to one mailbox, under either domain.
_DOTLESS_MAILBOXES = frozenset({"gmail.com", "googlemail.com"})


def mailbox_key(address: str) -> str:
    """The mailbox an address reaches, for comparing it with a known address: ``anne.rouquette.blanc@gmail.com``
    and ``anne.rouquetteblanc@gmail.com`` are one account (Gmail ignores dots and ``+tags``); elsewhere the address,
    lower-cased."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain in _DOTLESS_MAILBOXES:
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    return f"{local}@{domain}" if local else domain
