"""The website a sender signs with, against the domain it writes from.

A purchase-order or supplier fraud from a domain registered for the occasion signs with the real company's
website: "Majestic Wine Warehouses Ltd · majestic.co.uk", written from ``majesticwine-trade.co.uk``. The two
disagree inside the message itself, so no profile is needed: the sending domain is built on the name of the
site the signature gives (that name plus other words), without being that site. The same name under another
suffix (a company's .com site and .fr mail) is ordinary and left alone, as is a site that merely shares a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rempart.domains import domain_label, icann_registered_domain

SIGNATURE_CHARS = 900  # the end of the sender's own words, where a signature sits
MIN_NAME = 4  # "dhl", "ups": too short to say one domain is built on the other
MAX_SITES = 5
# Where the quoted history of a reply or forward starts: the signature is above it.
_HISTORY = re.compile(
    r"^[>\s*]*(?:from|de|von|van|da)\s*:\s|^-{2,}\s*(?:original message|message d'origine|forwarded message"
    r"|message transf[eé]r[eé])|^(?:on|le|am) .{0,120}(?:wrote|a écrit|schrieb)\s*:",
    re.IGNORECASE | re.MULTILINE)
# A web address written in text: a URL, "www.site.tld" or a bare "site.tld" (not the domain of an e-mail address).
_SITE = re.compile(r"(?<![@\w.-])(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})"
                   r"(?![\w@-])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SignatureSite:
    site: str  # registered domain the signature gives
    domain: str  # registered domain the sender writes from


def signature_text(body: str) -> str:
    """The last ``SIGNATURE_CHARS`` characters of the sender's own words (above any quoted history)."""
    history = _HISTORY.search(body[:200_000])
    own = body[: history.start()] if history else body[:200_000]
    return own[-SIGNATURE_CHARS:]


def built_on(domain: str, site: str) -> bool:
    """``domain``'s name contains ``site``'s name plus other letters ("majesticwine-trade" on "majestic")."""
    mine, theirs = domain_label(domain).replace("-", ""), domain_label(site).replace("-", "")
    return len(theirs) >= MIN_NAME and mine != theirs and theirs in mine


def signature_site_mismatch(sender_domain: str, body: str) -> SignatureSite | None:
    if not sender_domain:
        return None
    mine = icann_registered_domain(sender_domain.lower())
    sites: list[str] = []
    for m in _SITE.finditer(signature_text(body)):
        site = icann_registered_domain(m.group(1).lower())
        if site and site not in sites:
            sites.append(site)
        if len(sites) >= MAX_SITES:
            break
    if not mine or mine in sites:
        return None  # the sender signs with its own site too
    for site in sites:
        if built_on(mine, site):
            return SignatureSite(site, mine)
    return None
