"""The facts document: the message plus every analyzer's findings, in one versioned, JSON-like shape.

Rules evaluate over it, the model's features come from it, the console shows it. A new signal is
added once, in an analyzer, and appears here through its finding: nothing downstream recomputes it.
The schema is documented in ``docs/facts.md``; bump ``FACTS_VERSION`` on any incompatible change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rempart.config import OrgProfile
from rempart.domains import registered_domain
from rempart.findings import Finding
from rempart.message.model import Address, Message

FACTS_VERSION = 1
_BODY_LIMIT = 100_000  # characters of each body kept in the facts (rules see enough; memory stays bounded)


def _address(a: Address | None) -> dict[str, str]:
    if a is None:
        return {"name": "", "address": "", "domain": "", "registered_domain": ""}
    return {"name": a.name, "address": a.address, "domain": a.domain, "registered_domain": registered_domain(a.domain)}


def _codes_about(findings: Iterable[Finding], key: str, value: str) -> list[str]:
    return sorted({f.code for f in findings if value and str(f.evidence.get(key, "")) == value})


def build_facts(message: Message, findings: list[Finding], org: OrgProfile) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    for h in message.headers:
        headers.setdefault(h.name.lower(), []).append(h.value)
    auth: dict[str, Any] = {"spf": "none", "dkim": "none", "dmarc": "none", "arc": "none", "dkim_domains": []}
    for f in findings:
        if f.code == "auth.results":
            auth.update({k: v for k, v in f.evidence.items()})
    evidence: dict[str, dict[str, Any]] = {}
    for f in findings:
        evidence.setdefault(f.code, dict(f.evidence))
    return {
        "facts_version": FACTS_VERSION,
        "subject": message.subject,
        "from": _address(message.from_address),
        "sender": _address(message.sender),
        "reply_to": [_address(a) for a in message.reply_to],
        "return_path": message.return_path,
        "to": [_address(a) for a in message.to],
        "cc": [_address(a) for a in message.cc],
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "headers": headers,
        "body": {"text": message.text[:_BODY_LIMIT], "html_text": message.html_text[:_BODY_LIMIT],
                 "has_html": bool(message.html)},
        "auth": auth,
        "received": [{"from_host": r.from_host, "from_ip": r.from_ip, "by_host": r.by_host} for r in message.received],
        "urls": [
            {
                "url": u.url, "scheme": u.scheme, "host": u.host, "domain": registered_domain(u.host) if u.host else "",
                "origin": u.origin.value, "shown_text": u.shown_text or "",
                "findings": _codes_about(findings, "url", u.url),
            }
            for u in message.urls
        ],
        "attachments": [
            {
                "filename": a.filename, "declared_type": a.declared_type, "sniffed_type": a.sniffed_type,
                "size": a.size, "sha256": a.sha256, "inline": a.inline,
                "findings": _codes_about(findings, "sha256", a.sha256),
            }
            for a in message.attachments
        ],
        "findings": sorted({f.code for f in findings}),
        "finding_evidence": evidence,
        "org": {"name": org.name, "domains": list(org.domains)},
        "model_score": None,
    }
