"""Retention (GDPR storage limitation): raw messages and facts older than the retention period are
deleted; the case's metadata (verdict, reasons, addresses, decision) stays for statistics and audit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rempart.store import audit
from rempart.store.audit import AuditSigner
from rempart.store.models import Case, CaseContent
from rempart.store.timeutil import iso, utcnow

BATCH = 500


def purge(
    session: Session,
    *,
    retention_days: int,
    actor: str = "system",
    signer: AuditSigner | None = None,
    now: datetime | None = None,
) -> int:
    """Purge one batch of expired bodies; returns how many cases were purged (call until 0)."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    ids = list(
        session.execute(
            select(CaseContent.case_id)
            .join(Case, Case.id == CaseContent.case_id)
            .where(Case.created_at < cutoff)
            .order_by(CaseContent.case_id)
            .limit(BATCH)
        ).scalars()
    )
    if not ids:
        return 0
    session.execute(delete(CaseContent).where(CaseContent.case_id.in_(ids)))
    session.execute(update(Case).where(Case.id.in_(ids)).values(content_purged_at=now or utcnow()))
    audit.append(
        session,
        actor=actor,
        action="retention.purge",
        object_type="case",
        object_id=f"{ids[0]}-{ids[-1]}",
        details={"cases": len(ids), "cutoff": iso(cutoff), "retention_days": retention_days},
        signer=signer,
    )
    return len(ids)
