"""How bulk scam mail is built, independent of its words.

- *picture bait*: an HTML-only message whose visible text is a line or two, the rest a picture with a
  link on it — the words are in the image, where filters and readers' suspicion do not reach;
- *random link paths*: links to a site nobody vouches for (not the sender's, not a known brand's, not
  an e-mail provider's click tracker) whose path is a long random token minted per recipient, the
  way scam kits track who clicked;
- *unrelated links*: every link of an HTML message (at least one hidden behind link text) leads to sites
  the sender does not own and nobody vouches for — real senders link to their own site, a known
  platform or their e-mail provider's click tracker;
- *disguised letters*: the subject or sender name written in styled Unicode letters (𝗕𝗼𝗻𝘂𝘀,
  Ｇｉｆｔ) that look like text but are not the letters filters read.

Each is weak alone (weights ~0.1–0.2): modern newsletters can be image-heavy and some tracking
tokens are random. They count with the lure and the link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from rempart.analyzers._links.tables import suffix_match, tables
from rempart.analyzers.base import Context, claimed_domain
from rempart.analyzers.lookalike import brand_of, owner_of, protected_index
from rempart.domains import icann_registered_domain, in_domains, registered_domain, same_name
from rempart.findings import Finding
from rempart.message.model import Message, UrlOrigin

PICTURE_BAIT = 0.15
PICTURE_BAIT_AWAY = 0.3  # …when every link on it leads to a site the sender does not own and nobody vouches for
RANDOM_LINK_PATH = 0.2
DISGUISED_LETTERS = 0.2
UNRELATED_LINKS = 0.2
PICTURE_BAIT_MAX_TEXT = 300  # visible characters: a headline and an unsubscribe line
MAX_LINKS_CHECKED = 40
_WEB = (UrlOrigin.HREF, UrlOrigin.TEXT)
# A path token: letters and digits only (words joined by "_" or "-" are names, not tokens).
_TOKEN = re.compile(r"[A-Za-z0-9]{16,}")
_MIN_CLASS = 2  # at least this many digits, capitals and small letters each…
_MIN_SWITCHES = 8  # …alternating this often: "4RFOwi4872eiSi265lfvn", not "Reflections2019"
_STYLED = re.compile("[\U0001d400-\U0001d7ff\uff21-\uff3a\uff41-\uff5a]")


def _kind(c: str) -> int:
    return 0 if c.isdigit() else 1 if c.isupper() else 2


def is_random_token(token: str) -> bool:
    digits = sum(c.isdigit() for c in token)
    upper = sum(c.isupper() for c in token)
    if digits < _MIN_CLASS or upper < _MIN_CLASS or len(token) - digits - upper < _MIN_CLASS:
        return False
    switches = sum(1 for a, b in pairwise(token) if _kind(a) != _kind(b))
    return switches >= _MIN_SWITCHES


def picture_bait(message: Message, context: Context) -> Iterator[Finding]:
    if not message.html or message.text.strip():
        return
    visible = len(" ".join(message.html_text.split()))
    if visible >= PICTURE_BAIT_MAX_TEXT:
        return
    images = sum(1 for u in message.urls if u.origin == UrlOrigin.IMAGE)
    images += sum(1 for a in message.attachments if a.inline and a.sniffed_type.startswith("image/"))
    links = {u.host for u in message.urls if u.origin == UrlOrigin.HREF and u.scheme in ("http", "https") and u.host}
    if images and links:
        domain = claimed_domain(message)
        away = all(not _vouched_for(host, domain, context, shared_services=False) for host in links)
        yield Finding("scam.picture_bait", PICTURE_BAIT_AWAY if away else PICTURE_BAIT,
                      {"visible_chars": visible, "images": images, "hosts": sorted(links)[:5], "away": away})


def _vouched_for(host: str, sender_domain: str, context: Context, shared_services: bool = True) -> bool:
    """The sender's own site (or its name under another suffix), the organisation's, a known brand's or platform's,
    or a click tracker;
    with ``shared_services``, also shorteners and free hosting (the links analyzer reports those)."""
    t = tables(context.resources)
    registered = icann_registered_domain(host)
    shared = bool(suffix_match(host, t.shorteners)) or bool(suffix_match(host, t.free_hosts))
    if registered == sender_domain or same_name(registered, sender_domain) \
            or in_domains(host, context.config.org.domains) or suffix_match(host, t.esp_tracking):
        return True
    # the sender brand's other domain (wetransfer.com linking to its own we.tl); not from free mail, where the
    # sender is anyone with an account (gmail.com is Google's, and so is sites.google.com)
    brand = brand_of(host, context.resources) if sender_domain not in context.resources.data_list("freemail") \
        else None
    if brand is not None and sender_domain and brand == brand_of(sender_domain, context.resources):
        return True
    if shared:  # a free host stays anyone's site even when a brand runs it as a platform (x.github.io)
        return shared_services
    tenants = protected_index(context.resources).tenants
    return (owner_of(host, context.resources) is not None or registered_domain(host) in tenants
            or registered in tenants)


def random_link_path(message: Message, context: Context) -> Iterator[Finding]:
    sender_domain = claimed_domain(message)
    checked = 0
    for url in message.urls:
        if url.origin not in _WEB or url.scheme not in ("http", "https") or not url.host:
            continue
        checked += 1
        if checked > MAX_LINKS_CHECKED:
            return
        rest = url.url.split("//", 1)[-1]
        path = rest.split("/", 1)[1] if "/" in rest else ""
        path = path.split("?", 1)[0].split("#", 1)[0]
        if "@" in path or not any(is_random_token(t) for t in _TOKEN.findall(path)):
            continue
        if _vouched_for(url.host, sender_domain, context):
            continue
        yield Finding("scam.random_link_path", RANDOM_LINK_PATH, {"url": url.url, "host": url.host})
        return


def disguised_letters(message: Message) -> Iterator[Finding]:
    sender = message.from_address
    for where, text in (("subject", message.subject), ("display_name", sender.name if sender else "")):
        if _STYLED.search(text):
            yield Finding("scam.disguised_letters", DISGUISED_LETTERS, {"where": where, "text": text[:120]})
            return


def unrelated_links(message: Message, context: Context) -> Iterator[Finding]:
    hosts = {u.host for u in message.urls[:MAX_LINKS_CHECKED * 5]
             if u.origin in _WEB and u.scheme in ("http", "https") and u.host}
    if not hosts or not any(u.origin == UrlOrigin.HREF for u in message.urls):
        return
    domain = claimed_domain(message)
    checked = sorted(hosts)[:MAX_LINKS_CHECKED]
    if all(not _vouched_for(host, domain, context, shared_services=False) for host in checked):
        yield Finding("scam.unrelated_links", UNRELATED_LINKS, {"hosts": checked[:5], "domain": domain})
