"""From a verdict to what the store keeps (``NewCase``): shared by the API and the mail gateway."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rempart.engine.verdict import Verdict
from rempart.store.campaigns import Signature
from rempart.store.cases import NewCase, PackedContent
from rempart.store.lure import lure_type
from rempart.store.timeutil import to_utc_naive, utcnow


def stored_verdict(verdict: Verdict) -> dict[str, Any]:
    """The verdict as metadata: reasons with codes, weights and evidence (texts are rendered on read)."""
    return {
        "verdict": verdict.level.value,
        "score": round(verdict.score, 4),
        "reasons": [
            {
                "code": r.code,
                "weight": round(r.weight, 4),
                "source": r.source,
                "evidence": dict(r.evidence),
                "texts": dict(r.texts),
            }
            for r in verdict.reasons
        ],
        "rule_hits": [
            {
                "id": h.rule_id,
                "name": h.name,
                "severity": h.severity,
                "weight": h.weight,
                "tags": list(h.tags),
            }
            for h in verdict.rule_hits
        ],
        "model_score": None if verdict.model_score is None else round(verdict.model_score, 4),
    }


def message_date(facts: Mapping[str, Any]) -> datetime | None:
    """The Date header as naive UTC, if present, parseable and not in the future."""
    values = facts.get("headers", {}).get("date") or []
    if not values:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(values[0]))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    when = to_utc_naive(parsed)
    return when if when <= utcnow() else None


def _addresses(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for role, key in (("from", "from"), ("sender", "sender")):
        addr = (facts.get(key) or {}).get("address", "")
        if addr:
            out.append((role, addr))
    for role in ("reply_to", "to", "cc"):
        out.extend((role, a["address"]) for a in facts.get(role, []) if a.get("address"))
    return out


# The facts ``new_case`` reads beside the content (which is compressed from the whole document).
_CASE_FACTS = ("from", "sender", "reply_to", "to", "cc", "message_id", "subject")


def case_facts_only(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a facts document ``new_case`` needs once the content is packed (``content=``):
    scan workers send back this much instead of the whole document (less to pickle and unpickle
    in the service process)."""
    out = {k: facts[k] for k in _CASE_FACTS if k in facts}
    date = (facts.get("headers") or {}).get("date")
    if date:
        out["headers"] = {"date": date}
    return out


def new_case(
    raw: bytes,
    verdict: Verdict,
    signature: Signature | None,
    *,
    source: str = "scan",
    envelope_from: str | None = None,
    envelope_to: tuple[str, ...] = (),
    received_at: datetime | None = None,
    quarantine: bool = False,
    content: PackedContent | None = None,
) -> NewCase:
    """What the store keeps of a scanned message; ``content``: its compressed content, if already made
    (``rempart.store.cases.pack_content`` of this raw message and verdict, e.g. by a scan worker)."""
    facts = dict(verdict.facts)
    sender = facts.get("from") or {}
    addresses = _addresses(facts)
    if envelope_from:
        addresses.append(("envelope_from", envelope_from))
    addresses.extend(("envelope_to", a) for a in envelope_to)
    stored = stored_verdict(verdict)
    return NewCase(
        raw=raw,
        level=verdict.level.value,
        score=verdict.score,
        lure_type=lure_type(verdict.level.value, stored["reasons"]),
        verdict=stored,
        facts=facts,
        findings=[f.to_dict() for f in verdict.findings],
        source=source,
        message_id=str(facts.get("message_id", "")),
        subject=str(facts.get("subject", "")),
        sender_address=str(sender.get("address", "")),
        sender_domain=str(sender.get("domain", "")),
        addresses=tuple(addresses),
        received_at=received_at or message_date(facts),
        envelope_from=envelope_from,
        envelope_to=envelope_to,
        signature=signature,
        quarantine=quarantine,
        content=content,
    )


def render_reasons(reasons: list[dict[str, Any]], lang: str, catalogue: Any) -> list[dict[str, Any]]:
    """Stored reasons with their plain-language text in ``lang``."""
    out = []
    for r in reasons:
        texts = r.get("texts") or {}
        text = texts.get(lang) or catalogue.text(r["code"], lang, r.get("evidence") or {})
        out.append(
            {"code": r["code"], "text": text, "weight": r.get("weight", 0.0), "source": r.get("source", "")}
        )
    return out
