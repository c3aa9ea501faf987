"""A password written beside a link to a file-delivery service (``links.shared_file_password``).

A gateway can open an attached archive, not one that must be downloaded first, and no scanner opens an
archive it has no password for: "the documents are in this Drive folder, password LEF2026" is how loaders
(Emotet, Qakbot, IcedID) and fake legal notices deliver their payload. Genuine senders of protected files
give the password by another channel, which is the advice every bank and accountant prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.analyzers._links.tables import LinkTables, suffix_match
from rempart.analyzers._links.urlparts import display_host, split_url, unwrap
from rempart.analyzers.base import Resources
from rempart.analyzers.payload.passwords import stated_password
from rempart.findings import Finding
from rempart.message.model import Message, UrlOrigin

CODE = "links.shared_file_password"
WEIGHT = 0.35
_LINK_ORIGINS = frozenset({UrlOrigin.HREF, UrlOrigin.TEXT})


@dataclass(frozen=True, slots=True)
class _Shares:
    hosts: frozenset[str]
    paths: dict[str, tuple[str, ...]]  # host -> path prefixes ("docs.google.com" -> ("/uc",))


def _shares(resources: Resources) -> _Shares:
    def build() -> _Shares:
        hosts: set[str] = set()
        paths: dict[str, list[str]] = {}
        for entry in resources.data_list("file_shares"):
            host, slash, path = entry.partition("/")
            if slash:
                paths.setdefault(host, []).append("/" + path)
            else:
                hosts.add(host)
        return _Shares(frozenset(hosts), {h: tuple(p) for h, p in paths.items()})

    return resources.cached("links:file_shares", build)


def shared_file_password(message: Message, t: LinkTables, resources: Resources, max_urls: int) -> Finding | None:
    shares = _shares(resources)
    for url in message.urls[:max_urls]:
        if url.origin not in _LINK_ORIGINS or url.scheme not in ("http", "https"):
            continue
        parts = split_url(url.url[:2048])
        destination = unwrap(parts, t.link_wrappers)
        if destination is not None:
            parts = split_url(destination)
        host = display_host(parts.host)
        path_hosts = suffix_match(host, shares.paths)
        if suffix_match(host, shares.hosts) is None and not (
                path_hosts is not None and parts.path.startswith(shares.paths[path_hosts])):
            continue
        password = stated_password(message.subject, message.body_text)
        if password is None:
            return None  # no password anywhere: the other links need not be read
        return Finding(CODE, WEIGHT, {"url": url.url, "host": host, "password": password})
    return None
