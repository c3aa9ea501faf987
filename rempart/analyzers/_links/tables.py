"""The per-engine structures the links analyzer reads: data lists, the protected domains, regexes.

Built once per engine through ``Resources.cached`` and shared read-only by every scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rempart.analyzers import lookalike
from rempart.analyzers.base import Resources
from rempart.data import load_data_list
from rempart.domains import domain_label, icann_registered_domain

# Shorter labels ("ups", "dhl", "sfr") are too often parts of ordinary words to be looked for in paths.
MIN_EMBEDDED_TOKEN = 4


@dataclass(frozen=True, slots=True)
class Protected:
    """A name the reader trusts: the organisation's own, a known vendor's, or a brand's."""

    domain: str
    kind: str  # "org" | "vendor" | "brand"
    name: str


@dataclass(frozen=True, slots=True)
class LinkTables:
    shorteners: frozenset[str]
    free_hosts: frozenset[str]  # host-suffix entries of free_hosting
    free_paths: dict[str, tuple[str, ...]]  # host -> path prefixes ("docs.google.com" -> ("/forms",))
    file_hosts: frozenset[str]  # host-suffix entries of file_shares (file-delivery services)
    file_paths: dict[str, tuple[str, ...]]  # host -> path prefixes of file_shares ("docs.google.com" -> ("/uc",))
    suspicious_tlds: frozenset[str]
    esp_tracking: frozenset[str]
    redirect_params: frozenset[str]
    redirect_paths: tuple[tuple[str, str], ...]  # (registrable label, path prefix), longest prefix first
    filename_suffixes: frozenset[str]
    risky_extensions: dict[str, str]  # extension -> "run" | "archive" | "page"
    login_words: re.Pattern[str]
    sensitive_fields: re.Pattern[str]  # form field names asking for credentials, card or bank data
    object_storage: frozenset[str]
    link_wrappers: dict[str, str]  # link-protection host suffix -> the parameter holding the destination
    tracking_words: frozenset[str]
    unsubscribe_words: frozenset[str]
    oauth_scopes: frozenset[str]  # permissions that open a mailbox or files to an application
    org_domains: frozenset[str]  # registered domains of the organisation
    # the organisation's SharePoint / OneDrive tenant names, after its domains (acme-fr.fr: acmefr)
    own_tenants: frozenset[str]
    brand_tokens: dict[str, Protected]  # registrable label without hyphens ("chvalmont") -> its owner


def suffix_match(host: str, entries: frozenset[str] | Mapping[str, object]) -> str | None:
    """The entry ``host`` equals or is a subdomain of, or None."""
    labels = host.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in entries:
            return candidate
    return None


def _login_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w).replace(r"\-", "[-_]?") for w in words), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])")


def _pairs(lines: frozenset[str]) -> dict[str, str]:
    """``"key value"`` lines as a mapping."""
    out: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if value.strip():
            out[key] = value.strip()
    return out


def _path_redirectors(lines: frozenset[str]) -> tuple[tuple[str, str], ...]:
    pairs = [(label.strip().lower(), prefix.strip()) for label, _, prefix in (x.partition(" ") for x in lines)]
    return tuple(sorted((p for p in pairs if p[0] and p[1].startswith("/")), key=lambda p: -len(p[1])))


def _prefix_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """Any of ``words`` at the start of a word: "pin" matches "pin_code", not "shipping"."""
    return re.compile(r"(?<![a-z])(?:" + "|".join(sorted(map(re.escape, words))) + ")")


def _brand_tokens(resources: Resources) -> dict[str, Protected]:
    """Names worth spotting inside someone else's subdomain or path: the labels of the organisation's,
    its vendors' and the brands' domains (brands whose name is an everyday word are left out)."""
    org = resources.config.org
    tokens: dict[str, Protected] = {}

    def add(label: str, domain: str, kind: str, name: str) -> None:
        label = label.lower().replace("-", "")  # compared without hyphens: "ch-valmont" ~ "chvalmont"
        if len(label) >= MIN_EMBEDDED_TOKEN and label not in tokens:
            tokens[label] = Protected(icann_registered_domain(domain), kind, name)

    for d in org.domains:
        add(domain_label(d), d, "org", org.name or d)
    for vendor in org.vendors:
        for d in vendor.domains:
            add(domain_label(d), d, "vendor", vendor.name)
    for brand in lookalike.brands(resources):
        if brand.common_word or not brand.domains:
            continue
        for label in brand.labels or tuple(domain_label(d) for d in brand.domains):
            add(label, brand.domains[0], "brand", brand.name)
    return tokens


def _hosts_and_paths(entries: frozenset[str]) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """``host`` and ``host/path-prefix`` lines: the whole hosts, and the path prefixes per host."""
    hosts: set[str] = set()
    paths: dict[str, list[str]] = {}
    for entry in entries:
        host, slash, path = entry.partition("/")
        if slash:
            paths.setdefault(host, []).append("/" + path)
        else:
            hosts.add(host)
    return frozenset(hosts), {h: tuple(p) for h, p in paths.items()}


def build_tables(resources: Resources) -> LinkTables:
    free_hosts, free_paths = _hosts_and_paths(resources.data_list("free_hosting"))
    file_hosts, file_paths = _hosts_and_paths(resources.data_list("file_shares"))
    risky: dict[str, str] = {}
    for entry in load_data_list("risky_link_extensions"):
        ext, _, tier = entry.partition(" ")
        risky[ext.strip(".")] = tier.strip() or "run"
    org_domains = frozenset(icann_registered_domain(d) for d in resources.config.org.domains if d)
    return LinkTables(
        shorteners=resources.data_list("shorteners"),
        free_hosts=free_hosts,
        free_paths=free_paths,
        file_hosts=file_hosts,
        file_paths=file_paths,
        suspicious_tlds=frozenset(t.lstrip(".") for t in resources.data_list("suspicious_tlds")),
        esp_tracking=load_data_list("esp_tracking"),
        redirect_params=load_data_list("redirect_params"),
        redirect_paths=_path_redirectors(load_data_list("redirect_paths")),
        filename_suffixes=load_data_list("filename_suffixes"),
        risky_extensions=risky,
        login_words=_login_pattern(load_data_list("login_words")),
        sensitive_fields=_prefix_pattern(load_data_list("form_sensitive_fields")),
        object_storage=load_data_list("object_storage"),
        link_wrappers=_pairs(load_data_list("link_wrappers")),
        tracking_words=load_data_list("tracking_words"),
        oauth_scopes=load_data_list("oauth_scopes"),
        unsubscribe_words=load_data_list("unsubscribe_words"),
        org_domains=org_domains,
        own_tenants=frozenset(domain_label(d).replace("-", "") for d in org_domains),
        brand_tokens=_brand_tokens(resources),
    )


def tables(resources: Resources) -> LinkTables:
    return resources.cached("links:tables", lambda: build_tables(resources))
