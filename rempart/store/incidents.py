"""Incident report drafts (NIS2 article 23 style) kept by the console, editable and audited.

A draft belongs to a case or to a campaign and holds its sections as a JSON object of texts
(``fields``), pre-filled by the console from the store's data and then edited by analysts. The
store only keeps and versions them: creation and every save are audited (which sections changed,
never their text). Drafts name people (indicators, recipients): ``rempart gdpr erase`` replaces
the address in their texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from rempart.store import audit, gdpr
from rempart.store.audit import AuditSigner
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import Base
from rempart.store.timeutil import iso, utcnow

MAX_FIELD = 20_000


class IncidentReport(Base):
    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    lang: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)


def _clean(fields: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in fields.items():
        text = str(value)
        if "\x00" in text or len(text) > MAX_FIELD:
            raise InvalidState(f"Section '{key}' is longer than {MAX_FIELD} characters or holds NUL.")
        out[str(key)[:60]] = text
    return out


def create(
    session: Session,
    fields: Mapping[str, Any],
    *,
    actor: str,
    lang: str,
    case_id: int | None = None,
    campaign_id: int | None = None,
    signer: AuditSigner | None = None,
) -> IncidentReport:
    if (case_id is None) == (campaign_id is None):
        raise InvalidState("An incident report is drafted from one case or one campaign.")
    when = utcnow()
    report = IncidentReport(
        case_id=case_id,
        campaign_id=campaign_id,
        lang=lang,
        created_at=when,
        created_by=actor[:100],
        updated_at=when,
        updated_by=actor[:100],
        revision=1,
        fields=_clean(fields),
    )
    session.add(report)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="incident.create",
        object_type="incident",
        object_id=report.id,
        details={"case": case_id, "campaign": campaign_id},
        signer=signer,
        at=when,
    )
    return report


def update(
    session: Session,
    report_id: int,
    fields: Mapping[str, Any],
    *,
    actor: str,
    signer: AuditSigner | None = None,
) -> IncidentReport:
    report = get(session, report_id)
    new = {**report.fields, **_clean(fields)}
    changed = sorted(k for k in new if new.get(k) != report.fields.get(k))
    if not changed:
        return report
    report.fields = new
    report.revision += 1
    report.updated_at, report.updated_by = utcnow(), actor[:100]
    audit.append(
        session,
        actor=actor,
        action="incident.update",
        object_type="incident",
        object_id=report.id,
        details={"revision": report.revision, "sections": changed},
        signer=signer,
        at=report.updated_at,
    )
    return report


def get(session: Session, report_id: int) -> IncidentReport:
    report = session.get(IncidentReport, report_id)
    if report is None:
        raise NotFound(f"Incident report {report_id} does not exist.")
    return report


def for_object(session: Session, *, case_id: int | None = None, campaign_id: int | None = None) -> list[int]:
    """Ids of the drafts about a case or a campaign, newest first."""
    query = select(IncidentReport.id).order_by(IncidentReport.id.desc())
    if case_id is not None:
        query = query.where(IncidentReport.case_id == case_id)
    if campaign_id is not None:
        query = query.where(IncidentReport.campaign_id == campaign_id)
    return list(session.execute(query).scalars())


def recent(session: Session, limit: int = 100) -> Sequence[IncidentReport]:
    return (
        session.execute(select(IncidentReport).order_by(IncidentReport.updated_at.desc()).limit(limit))
        .scalars()
        .all()
    )


def _mentions(session: Session, address: str) -> list[IncidentReport]:
    return [
        r
        for r in session.execute(select(IncidentReport)).scalars()
        if any(address in str(v).lower() for v in r.fields.values())
    ]


def _export(session: Session, address: str) -> dict[str, Any]:
    found = _mentions(session, address)
    if not found:
        return {}
    return {"reports": [{"id": r.id, "updated_at": iso(r.updated_at), "fields": r.fields} for r in found]}


def _erase(session: Session, address: str) -> dict[str, int]:
    found = _mentions(session, address)
    for r in found:
        pattern = re.compile(re.escape(address), re.IGNORECASE)
        r.fields = {k: pattern.sub(gdpr.ERASED, str(v)) for k, v in r.fields.items()}
    return {"reports_scrubbed": len(found)}


gdpr.register("incident_reports", _export, _erase)
