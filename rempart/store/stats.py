"""Statistics for the dashboard and ``GET /stats``: what arrived, what it wanted, who was targeted,
and how employees report (count, reporters, time from receipt to report)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rempart.store.models import Case, CaseAddress, Report
from rempart.store.timeutil import iso, utcnow

RECIPIENT_ROLES = ("to", "cc", "envelope_to")


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stats(
    session: Session, *, since: datetime | None = None, until: datetime | None = None, top: int = 10
) -> dict[str, Any]:
    end = until or utcnow()
    start = since or end - timedelta(days=30)
    in_range = (Case.created_at >= start, Case.created_at < end)
    by_verdict = {level: 0 for level in ("clean", "suspicious", "malicious")}
    for level, count in session.execute(
        select(Case.level, func.count()).where(*in_range).group_by(Case.level)
    ):
        by_verdict[level] = int(count)
    by_lure = {
        lure: int(count)
        for lure, count in session.execute(
            select(Case.lure_type, func.count())
            .where(*in_range, Case.level != "clean")
            .group_by(Case.lure_type)
            .order_by(func.count().desc())
        )
    }
    day = func.date(Case.created_at)
    by_day: dict[str, dict[str, int]] = {}
    for d, level, count in session.execute(
        select(day, Case.level, func.count()).where(*in_range).group_by(day, Case.level).order_by(day)
    ):
        by_day.setdefault(str(d), {"clean": 0, "suspicious": 0, "malicious": 0})[level] = int(count)
    targeted = session.execute(
        select(CaseAddress.address, func.count(func.distinct(CaseAddress.case_id)).label("n"))
        .join(Case, Case.id == CaseAddress.case_id)
        .where(*in_range, Case.level != "clean", CaseAddress.role.in_(RECIPIENT_ROLES))
        .group_by(CaseAddress.address)
        .order_by(func.count(func.distinct(CaseAddress.case_id)).desc(), CaseAddress.address)
        .limit(top)
    ).all()
    report_rows = session.execute(
        select(Report.reporter, Report.reported_at, Case.received_at, Case.decision)
        .join(Case, Case.id == Report.case_id)
        .where(Report.reported_at >= start, Report.reported_at < end)
    ).all()
    delays = [
        (reported - received).total_seconds()
        for _r, reported, received, _d in report_rows
        if received is not None and received <= reported
    ]
    confirmed = sum(1 for *_x, decision in report_rows if decision in ("malicious", "phishing_simulation"))
    decisions = {
        d: int(n)
        for d, n in session.execute(
            select(Case.decision, func.count())
            .where(*in_range, Case.decision.is_not(None))
            .group_by(Case.decision)
        )
    }
    return {
        "since": iso(start),
        "until": iso(end),
        "total": sum(by_verdict.values()),
        "by_verdict": by_verdict,
        "by_lure_type": by_lure,
        "by_day": [{"day": d, **counts} for d, counts in by_day.items()],
        "top_targeted_recipients": [{"address": a, "cases": int(n)} for a, n in targeted],
        "decisions": decisions,
        "reports": {
            "count": len(report_rows),
            "reporters": len({r for r, *_x in report_rows}),
            "confirmed_attacks": confirmed,
            "time_to_report_seconds": {
                "measured": len(delays),
                "median": statistics.median(delays) if delays else None,
                "p90": _percentile(delays, 0.9),
            },
        },
    }
