"""Read-only queries behind the triage queue and the campaign list (writes go through ``rempart.store``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from rempart.service.views import recipients_of
from rempart.store.models import Campaign, Case, CaseAddress, Report
from rempart.store.timeutil import utcnow

PAGE = 50
SORTS = ("priority", "newest", "score")
LEVELS = ("clean", "suspicious", "malicious")
STATUSES = ("new", "decided")
QUARANTINE = ("held", "release_requested", "released")
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}


@dataclass(frozen=True)
class QueueFilter:
    q: str = ""
    verdict: str = ""
    status: str = "new"
    lure_type: str = ""
    quarantine: str = ""
    reporter: str = ""
    sender_domain: str = ""
    campaign: int | None = None
    period: str = ""
    sort: str = "priority"
    page: int = 1

    @classmethod
    def from_query(cls, params: Any, lure_types: Sequence[str]) -> QueueFilter:
        def pick(name: str, allowed: Sequence[str], default: str = "") -> str:
            value = str(params.get(name, default))
            return value if value in allowed else default

        def integer(name: str, low: int, high: int) -> int | None:
            raw = str(params.get(name, ""))
            return int(raw) if raw.isdigit() and low <= int(raw) <= high else None

        return cls(
            q=str(params.get("q", ""))[:200].replace("\x00", "").strip(),
            verdict=pick("verdict", LEVELS),
            status=pick("status", (*STATUSES, "all"), "new"),
            lure_type=pick("lure", lure_types),
            quarantine=pick("quarantine", QUARANTINE),
            reporter=str(params.get("reporter", ""))[:320].replace("\x00", "").strip().lower(),
            sender_domain=str(params.get("domain", ""))[:255].replace("\x00", "").strip().lower(),
            campaign=integer("campaign", 1, 2**31 - 1),
            period=pick("period", tuple(PERIODS)),
            sort=pick("sort", SORTS, "priority"),
            page=integer("page", 1, 100_000) or 1,
        )

    def query_string(self, **changes: Any) -> str:
        """This filter as query parameters, with ``changes`` applied (for links that keep the filter)."""
        from urllib.parse import urlencode

        values = {
            "q": self.q,
            "verdict": self.verdict,
            "status": self.status,
            "lure": self.lure_type,
            "quarantine": self.quarantine,
            "reporter": self.reporter,
            "domain": self.sender_domain,
            "campaign": self.campaign or "",
            "period": self.period,
            "sort": self.sort,
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: Select[Any], f: QueueFilter, now: datetime) -> Select[Any]:
    if f.verdict:
        query = query.where(Case.level == f.verdict)
    if f.status in STATUSES:
        query = query.where(Case.status == f.status)
    if f.lure_type:
        query = query.where(Case.lure_type == f.lure_type)
    if f.quarantine:
        query = query.where(Case.quarantine == f.quarantine)
    if f.sender_domain:
        query = query.where(Case.sender_domain == f.sender_domain)
    if f.campaign is not None:
        query = query.where(Case.campaign_id == f.campaign)
    if f.reporter:
        query = query.where(Case.id.in_(select(Report.case_id).where(Report.reporter == f.reporter)))
    if f.period:
        query = query.where(Case.created_at >= now - PERIODS[f.period])
    if f.q:
        pattern = _like(f.q)
        query = query.where(
            or_(
                func.lower(Case.subject).like(pattern, escape="\\"),
                func.lower(Case.sender_address).like(pattern, escape="\\"),
                Case.id.in_(select(CaseAddress.case_id).where(CaseAddress.address.like(pattern, escape="\\"))),
                Case.id.in_(select(Report.case_id).where(Report.reporter.like(pattern, escape="\\"))),
            )
        )
    return query


@dataclass(frozen=True)
class QueueRow:
    case: Case
    recipients: list[str]
    reporters: list[str]


def queue(session: Session, f: QueueFilter) -> tuple[list[QueueRow], int]:
    now = utcnow()
    total = int(session.execute(_filtered(select(func.count(Case.id)), f, now)).scalar_one())
    order: tuple[Any, ...]
    if f.sort == "newest":
        order = (Case.created_at.desc(), Case.id.desc())
    elif f.sort == "score":
        order = (Case.score.desc(), Case.id.desc())
    else:
        order = (Case.priority.desc(), Case.created_at.desc(), Case.id.desc())
    cases = (
        session.execute(_filtered(select(Case), f, now).order_by(*order).limit(PAGE).offset((f.page - 1) * PAGE))
        .scalars()
        .all()
    )
    ids = [c.id for c in cases]
    recipients = recipients_of(session, ids)
    reporters: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for case_id, reporter in session.execute(
            select(Report.case_id, Report.reporter).where(Report.case_id.in_(ids)).order_by(Report.id)
        ):
            if reporter not in reporters[case_id]:
                reporters[case_id].append(reporter)
    return [QueueRow(c, recipients[c.id], reporters[c.id]) for c in cases], total


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    out = {s: 0 for s in STATUSES}
    out.update({str(s): int(n) for s, n in rows})
    held = session.execute(select(func.count(Case.id)).where(Case.quarantine == "held")).scalar_one()
    out["held"] = int(held)
    return out


def campaigns(session: Session, status: str = "", limit: int = 200) -> Sequence[Campaign]:
    query = select(Campaign)
    if status in ("open", "decided"):
        query = query.where(Campaign.status == status)
    return (
        session.execute(query.order_by(Campaign.priority.desc(), Campaign.updated_at.desc()).limit(limit))
        .scalars()
        .all()
    )
