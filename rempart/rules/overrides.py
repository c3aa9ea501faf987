"""The organisation's allow and block lists (``[rules.allow]`` / ``[rules.block]``) as rule hits.

A block entry is a critical hit. An allow entry is a *trust* hit (negative weight: it scales the
score down, like a trust finding), but never for a message that fails DMARC, and a sender or sender
domain entry only counts when DMARC passes for that very domain: an attacker who spoofs an allowed
partner gets no trust from the allowlist. A URL host entry trusts a message only when every web link
in it goes to allowed hosts; an attachment hash only when every attachment is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rempart.config import RuleList, RulesSettings
from rempart.engine.verdict import RuleHit

BLOCK_WEIGHT = 0.9
ALLOW_WEIGHT = -0.7

_TEXTS: Mapping[str, Mapping[str, str]] = {
    "sender": {"en": "The sender's address is on the organisation's {list}.",
               "fr": "L'adresse de l'expéditeur figure sur la {list_fr} de l'organisation."},
    "domain": {"en": "The sender's domain is on the organisation's {list}.",
               "fr": "Le domaine de l'expéditeur figure sur la {list_fr} de l'organisation."},
    "url_host": {"en": "A link points to a site on the organisation's {list}.",
                 "fr": "Un lien mène à un site figurant sur la {list_fr} de l'organisation."},
    "sha256": {"en": "An attachment is on the organisation's {list} (by its SHA-256 hash).",
               "fr": "Une pièce jointe figure sur la {list_fr} de l'organisation "
                     "(par son empreinte SHA-256)."},
}
_LIST_NAMES = {"block": ("block list", "liste de blocage"), "allow": ("allow list", "liste d'autorisation")}


def _under(host: str, entries: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == e or host.endswith("." + e) for e in entries)


def _hit(kind: str, which: str) -> RuleHit:
    en, fr = _LIST_NAMES[which]
    texts = {lang: t.format(list=en, list_fr=fr) for lang, t in _TEXTS[kind].items()}
    weight = BLOCK_WEIGHT if which == "block" else ALLOW_WEIGHT
    severity = "critical" if which == "block" else "informational"
    name = f"Organisation {en}: {kind.replace('_', ' ')}"
    return RuleHit(f"org.{which}list.{kind}", name, severity, weight, texts, ())


def _matches(lists: RuleList, facts: Mapping[str, Any]) -> dict[str, bool]:
    sender = facts.get("from", {})
    address, domain = str(sender.get("address", "")), str(sender.get("domain", ""))
    web = [u for u in facts.get("urls", []) if u.get("host") and u.get("scheme") in ("http", "https", "")]
    return {
        "sender": bool(address) and address in lists.senders,
        "domain": bool(domain) and _under(domain, lists.domains),
        "url_host": any(_under(str(u["host"]), lists.url_hosts) for u in web),
        "sha256": any(str(a.get("sha256", "")) in lists.sha256 for a in facts.get("attachments", [])),
        "all_urls": bool(web) and all(_under(str(u["host"]), lists.url_hosts) for u in web),
        "all_attachments": bool(facts.get("attachments")) and all(
            str(a.get("sha256", "")) in lists.sha256 for a in facts.get("attachments", [])),
    }


def _dmarc_passes_for(facts: Mapping[str, Any], domain: str) -> bool:
    auth = facts.get("auth", {})
    if auth.get("dmarc") != "pass":
        return False
    dmarc_domain = str(auth.get("dmarc_domain") or "").lower()
    return not dmarc_domain or dmarc_domain == domain or domain.endswith("." + dmarc_domain)


def list_hits(settings: RulesSettings, facts: Mapping[str, Any]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    block, allow = settings.block, settings.allow
    if any((block.senders, block.domains, block.url_hosts, block.sha256)):
        found = _matches(block, facts)
        hits.extend(_hit(kind, "block") for kind in ("sender", "domain", "url_host", "sha256") if found[kind])
    if any((allow.senders, allow.domains, allow.url_hosts, allow.sha256)):
        if facts.get("auth", {}).get("dmarc") == "fail":
            return hits  # an allowlist never trusts a message that fails DMARC
        found = _matches(allow, facts)
        domain = str(facts.get("from", {}).get("domain", ""))
        authenticated = _dmarc_passes_for(facts, domain)
        if found["sender"] and authenticated:
            hits.append(_hit("sender", "allow"))
        if found["domain"] and authenticated:
            hits.append(_hit("domain", "allow"))
        if found["all_urls"]:
            hits.append(_hit("url_host", "allow"))
        if found["all_attachments"]:
            hits.append(_hit("sha256", "allow"))
    return hits
