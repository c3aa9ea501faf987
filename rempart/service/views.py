"""Store records to API shapes (the only place that knows both)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rempart.catalogue import Catalogue
from rempart.service import schemas
from rempart.service.intake import render_reasons
from rempart.store.models import AuditEntry, Campaign, Case, CaseAddress

RECIPIENT_ROLES = ("to", "cc", "envelope_to")


def recipients_of(session: Session, case_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in case_ids}
    if not case_ids:
        return out
    rows = session.execute(
        select(CaseAddress.case_id, CaseAddress.address)
        .where(CaseAddress.case_id.in_(case_ids), CaseAddress.role.in_(RECIPIENT_ROLES))
        .order_by(CaseAddress.id)
    )
    for case_id, address in rows:
        if address not in out[case_id]:
            out[case_id].append(address)
    return out


def case_summary(case: Case, recipients: list[str]) -> schemas.CaseSummary:
    return schemas.CaseSummary(
        id=case.id,
        created_at=case.created_at,
        received_at=case.received_at,
        source=case.source,
        status=case.status,
        verdict=case.level,  # type: ignore[arg-type]
        score=round(case.score, 4),
        lure_type=case.lure_type,
        subject=case.subject,
        sender=case.sender_address,
        sender_domain=case.sender_domain,
        recipients=recipients,
        report_count=case.report_count,
        first_reported_at=case.first_reported_at,
        priority=case.priority,
        decision=case.decision,  # type: ignore[arg-type]
        quarantine=case.quarantine,
        campaign_id=case.campaign_id,
        raw_purged=case.content_purged_at is not None,
    )


def summaries(session: Session, cases: Sequence[Case]) -> list[schemas.CaseSummary]:
    recipients = recipients_of(session, [c.id for c in cases])
    return [case_summary(c, recipients[c.id]) for c in cases]


def audit_out(entry: AuditEntry) -> schemas.AuditOut:
    return schemas.AuditOut(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        details=json.loads(entry.details),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        signed=bool(entry.signature),
    )


def case_detail(
    session: Session,
    case: Case,
    *,
    lang: str,
    catalogue: Catalogue,
    facts: dict[str, Any] | None,
    addresses: list[tuple[str, str]],
    reports: Sequence[Any],
    audit: Sequence[AuditEntry],
) -> schemas.CaseDetail:
    summary = case_summary(case, [a for r, a in addresses if r in RECIPIENT_ROLES])
    verdict = case.verdict or {}
    return schemas.CaseDetail(
        **summary.model_dump(),
        reasons=[schemas.ReasonOut(**r) for r in render_reasons(verdict.get("reasons", []), lang, catalogue)],
        rule_hits=verdict.get("rule_hits", []),
        model_score=verdict.get("model_score"),
        decision_comment=case.decision_comment,
        decided_by=case.decided_by,
        decided_at=case.decided_at,
        addresses=[schemas.AddressOut(role=r, address=a) for r, a in addresses],
        reports=[
            schemas.ReportRow(id=r.id, reporter=r.reporter, reported_at=r.reported_at, channel=r.channel)
            for r in reports
        ],
        facts=facts,
        audit=[audit_out(e) for e in audit],
    )


def campaign_summary(c: Campaign) -> schemas.CampaignSummary:
    return schemas.CampaignSummary(
        id=c.id,
        created_at=c.created_at,
        updated_at=c.updated_at,
        title=c.title,
        verdict=c.level,  # type: ignore[arg-type]
        lure_type=c.lure_type,
        max_score=round(c.max_score, 4),
        case_count=c.case_count,
        report_count=c.report_count,
        reporter_count=c.reporter_count,
        priority=c.priority,
        status=c.status,
        decision=c.decision,  # type: ignore[arg-type]
    )
