"""A sender domain imitating the domain the message was sent to, when no organisation is configured.

CEO and payroll fraud against a company is usually written from an imitation of that company's own domain:
``kestrel-robotlcs.eu`` (an ``l`` for the ``i``) or ``maison-cazaiis.fr`` writing to ``@kestrel-robotics.eu`` or
``@maison-cazalis.fr``. A configured install knows its domains (``[org] domains``) and the lookalike check covers
them; an install without a profile, on mail that does not prove its receiving company (``engine.implicit_org``),
still has the recipients' addresses. The sender's domain is compared with each recipient domain as
``thread_senders.imitation`` compares it with the quoted senders of a thread.

Measured on the dev corpus and the French bench's train halves (the recipients as written in To and Cc):
- look-alike characters or one edit (``ch-valrnont.fr`` for ``ch-valmont.fr``): 10 attacks, no legitimate message;
- the same name under another suffix: 9 attacks and 2 legitimate messages (``suse.cz`` writing to ``suse.de``,
  ``python.net`` to ``python.org``: one organisation's two domains), so it is reported apart
  (``sender.recipient_other_suffix``), weighs little and does not count as a false identity in correlations;
- the name with or without hyphens: 1 attack and 12 legitimate messages (``linux-foundation.org`` and
  ``linuxfoundation.org`` are one foundation's), so it is not reported;
- the recipient's whole domain written in front of another one (``maison-cazalis.fr.inbox-mail.net``): no
  legitimate message in any of the corpora (dev, all bench halves), 2 attacks in the bench's guard halves, where
  it was counted after the check was written.
Documentation domains (``example.com``, ``example.net``, RFC 2606) are never compared: they are nobody's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rempart.analyzers.thread_senders import imitation
from rempart.domains import domain_label, icann_registered_domain

MAX_RECIPIENTS = 20
# Per technique (``thread_senders.imitation``): what it weighs, or absent when it is not reported.
WEIGHTS = {"homoglyph": 0.6, "edit_distance": 0.6, "subdomain_abuse": 0.6, "tld_swap": 0.2}
_DOCUMENTATION_LABELS = frozenset({"example"})
_DOCUMENTATION_SUFFIXES = frozenset({"test", "example", "invalid", "localhost"})


@dataclass(frozen=True, slots=True)
class RecipientLookalike:
    domain: str  # the sender's registered domain
    recipient_domain: str
    technique: str
    weight: float


def _documentation(domain: str) -> bool:
    return domain_label(domain) in _DOCUMENTATION_LABELS or domain.rsplit(".", 1)[-1] in _DOCUMENTATION_SUFFIXES


def recipient_lookalike(sender_domain: str, recipients: Iterable[str],
                        freemail: frozenset[str]) -> RecipientLookalike | None:
    """The first recipient domain (not free mail) that the sender's domain imitates, and how."""
    host = sender_domain.strip().lower().rstrip(".")
    mine = icann_registered_domain(host)
    if not mine or mine in freemail or _documentation(mine):
        return None
    seen: set[str] = set()
    for address in list(recipients)[:MAX_RECIPIENTS]:
        theirs = icann_registered_domain(address.rpartition("@")[2].strip().lower().rstrip("."))
        if not theirs or theirs in seen or theirs in freemail or _documentation(theirs):
            continue
        seen.add(theirs)
        technique = "subdomain_abuse" if host.startswith(theirs + ".") else imitation(mine, theirs)
        if technique in WEIGHTS:
            return RecipientLookalike(mine, theirs, technique, WEIGHTS[technique])
    return None
