"""A password written beside a link to a file-delivery service (``links.shared_file_password``).

A gateway can open an attached archive, not one that must be downloaded first, and no scanner opens an
archive it has no password for: "the documents are in this Drive folder, password LEF2026" is how loaders
(Emotet, Qakbot, IcedID) and fake legal notices deliver their payload. Genuine senders of protected files
give the password by another channel, which is the advice every bank and accountant prints.
"""

from __future__ import annotations

from rempart.analyzers._links.tables import LinkTables, suffix_match
from rempart.analyzers._links.urlparts import display_host, split_url, unwrap
from rempart.analyzers.payload.passwords import stated_password
from rempart.findings import Finding
from rempart.message.model import Message, UrlOrigin

CODE = "links.shared_file_password"
WEIGHT = 0.35
_LINK_ORIGINS = frozenset({UrlOrigin.HREF, UrlOrigin.TEXT})


def shared_file_password(message: Message, t: LinkTables, max_urls: int) -> Finding | None:
    for url in message.urls[:max_urls]:
        if url.origin not in _LINK_ORIGINS or url.scheme not in ("http", "https"):
            continue
        parts = split_url(url.url[:2048])
        destination = unwrap(parts, t.link_wrappers)
        if destination is not None:
            parts = split_url(destination)
        host = display_host(parts.host)
        path_host = suffix_match(host, t.file_paths)
        if suffix_match(host, t.file_hosts) is None and not (
                path_host is not None and parts.path.startswith(t.file_paths[path_host])):
            continue
        password = stated_password(message.subject, message.body_text)
        if password is None:
            return None  # no password anywhere: the other links need not be read
        return Finding(CODE, WEIGHT, {"url": url.url, "host": host, "password": password})
    return None
