"""Who wrote the earlier messages of a thread, read from the quoted headers in the body.

Reply-chain hijacking replies to a real conversation from a domain made to look like the one the
conversation was held with: the quoted history says ``De : Electricité Morin <contact@electricite-morin.fr>``
while the reply comes from ``contact@electricite-morin.net``. That contradiction is in the message itself, so it
is seen with no organisation profile at all: ``lookalike_of_thread`` compares the sender's domain with the
domains of the quoted senders and reports a quoted domain the sender's imitates (same name under another
suffix, the same skeleton with look-alike characters, one edit away, or the same name with or without hyphens).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rempart.analyzers.lookalike import skeleton, within_distance
from rempart.domains import domain_label, icann_registered_domain

MAX_SCAN_CHARS = 200_000  # of the body: quoted headers of a long thread are all well inside
MAX_QUOTED_SENDERS = 20
MIN_TYPO_LABEL = 5  # shorter names are too often one letter from another company's
# A quoted header line: "From:", "De :", "Von:", "Van:", "Da:", "Fra:" (Outlook and webmail forms), possibly
# behind "> " quote marks or bold asterisks, then the sender's name and address. The quoted "To:" / "Cc:" lines
# count too: when the organisation wrote the earlier message, the party it wrote to is named there ("To: James
# <james@ashcombepryce.co.uk>", then James "replies" from ashcombe-pryce.co.uk).
_QUOTED_FROM = re.compile(
    r"^[>\s*]*(?:from|de|von|van|da|fra|to|an|aan|à|a|para|til|cc)\s*\*?\s*:\s*\*?\s*(?P<rest>[^\n]{0,300})",
    re.IGNORECASE | re.MULTILINE,
)
# An e-mail address written in text (a display name, a quoted header line).
EMAIL_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ThreadLookalike:
    domain: str  # the sender's registered domain
    quoted_domain: str  # the registered domain of the quoted sender it imitates
    quoted_address: str
    technique: str  # tld_swap | homoglyph | hyphenation | edit_distance


def quoted_senders(body: str) -> Iterator[tuple[str, str]]:
    """(address, registered domain) of each quoted sender or recipient, in order, without repeats."""
    seen: set[str] = set()
    for m in _QUOTED_FROM.finditer(body[:MAX_SCAN_CHARS]):
        found = EMAIL_IN_TEXT.search(m.group("rest"))
        if found is None:
            continue
        address = found.group(0).lower()
        if address in seen:
            continue
        seen.add(address)
        if len(seen) > MAX_QUOTED_SENDERS:
            return
        yield address, icann_registered_domain(address.rpartition("@")[2])


def imitation(domain: str, quoted: str) -> str:
    """How ``domain`` imitates ``quoted`` ("" when it does not, or when they are the same domain)."""
    if not domain or not quoted or domain == quoted:
        return ""
    mine, theirs = domain_label(domain), domain_label(quoted)
    if mine == theirs:
        return "tld_swap"
    if skeleton(mine) == skeleton(theirs):
        return "homoglyph"
    if mine.replace("-", "") == theirs.replace("-", ""):
        return "hyphenation"
    if min(len(mine), len(theirs)) >= MIN_TYPO_LABEL and within_distance(mine, theirs, 1):
        return "edit_distance"
    return ""


def lookalike_of_thread(sender_domain: str, body: str) -> ThreadLookalike | None:
    """The first quoted sender whose domain the sender's imitates."""
    mine = icann_registered_domain(sender_domain.lower()) if sender_domain else ""
    if not mine:
        return None
    for address, quoted in quoted_senders(body):
        technique = imitation(mine, quoted)
        if technique:
            return ThreadLookalike(mine, quoted, address, technique)
    return None
