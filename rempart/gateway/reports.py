"""The report path, in-process through the store (issue 6's ``rempart.store.cases``).

Why the store and not ``POST /api/v1/reports``: the poller already runs the engine; filing in-process
needs no API token, keeps working while the API is down, and the follow-up loop needs what the API
does not expose (reports whose feedback is due, recording what each reporter was told). The store
serialises writers, so this process and the API file reports side by side safely; the audit chain
records every report and feedback with actor ``gateway``.

The functions here the store does not have yet (recording feedback, finding follow-ups due) are thin
queries over its ``Report`` and ``Case`` tables; they belong in ``rempart.store.cases`` eventually.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from rempart.engine.verdict import Verdict
from rempart.gateway.scanning import build_case
from rempart.store import audit, cases
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.models import Case, Report
from rempart.store.timeutil import utcnow

CHANNEL = "imap"
SIMULATION = "phishing_simulation"


@dataclass(frozen=True)
class Filed:
    case_id: int
    report_id: int
    joined: bool  # the message was already a case (same Message-ID or bytes)
    duplicate: bool  # this reporter had already reported it (a re-read after a crash, or twice)
    told: str  # what the feedback says: the analyst's decision, else the verdict
    feedback_status: str
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Due:
    report_id: int
    case_id: int
    reporter: str
    told: str
    subject: str
    reported_at: datetime
    reasons: list[dict[str, Any]]
    followup: bool


def told_for(case: Case) -> str:
    return case.decision or case.level


def file_report(db: Database, opts: StoreOptions, raw: bytes, verdict: Verdict, reporter: str,
                simulation: str) -> Filed:
    """File ``reporter``'s report of ``raw`` once: a second filing of the same pair returns the first."""
    new = build_case(raw, verdict, None, source="report", quarantine=False)
    who = reporter.strip().lower()[:320]
    with db.write() as session:
        existing = cases.find_existing(session, new)
        if existing is not None:
            prior = session.execute(
                select(Report).where(Report.case_id == existing.id, Report.reporter == who).limit(1)
            ).scalar()
            if prior is not None:
                return Filed(existing.id, prior.id, True, True, told_for(existing), prior.feedback_status,
                             list((existing.verdict or {}).get("reasons", [])))
        case, report, joined = cases.add_report(session, new, who, opts, channel=CHANNEL)
        if simulation and case.decision != SIMULATION:
            cases.decide(session, case.id, SIMULATION, f"Simulation sender recognised ({simulation}).", opts)
        reasons = new.verdict.get("reasons", [])
        told = case.decision or new.level  # an analyst's decision wins; else what this very scan found
        return Filed(case.id, report.id, joined, False, told, report.feedback_status, list(reasons))


def record_feedback(db: Database, opts: StoreOptions, report_id: int, told: str, *, followup: bool,
                    status: str = "sent") -> None:
    with db.write() as session:
        report = session.get(Report, report_id)
        if report is None:
            return
        report.feedback_status = status
        if status == "sent":
            report.feedback_sent_at = utcnow()
            report.feedback_decision = told
        audit.append(
            session,
            actor=opts.actor,
            action="report.feedback",
            object_type="case",
            object_id=report.case_id,
            details={"report": report.id, "told": told, "followup": followup, "status": status},
            signer=opts.signer,
        )


def feedback_due(db: Database, *, max_age_days: int = 7, limit: int = 100) -> list[Due]:
    """Initial feedback not sent yet (the relay was down), and follow-ups: the case's decision now
    differs from what the reporter was last told."""
    since = utcnow() - timedelta(days=max_age_days)
    out: list[Due] = []
    with db.read() as session:
        changed = and_(Report.feedback_status == "sent", Case.decision.is_not(None),
                       or_(Report.feedback_decision.is_(None), Report.feedback_decision != Case.decision))
        rows = session.execute(
            select(Report, Case)
            .join(Case, Case.id == Report.case_id)
            .where(Report.channel == CHANNEL, Report.reported_at >= since,
                   or_(Report.feedback_status == "pending", changed))
            .order_by(Report.id)
            .limit(limit)
        ).all()
        for report, case in rows:
            out.append(Due(report.id, case.id, report.reporter, told_for(case), case.subject, report.reported_at,
                           list((case.verdict or {}).get("reasons", [])), report.feedback_status == "sent"))
    return out
