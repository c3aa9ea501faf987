"""The dashboard's figures: what arrived, what it wanted, who was targeted, how people report.

Counts by verdict, lure type and day and the time-to-report come from ``rempart.store.stats`` (the
same figures as ``GET /api/v1/stats``); the rest is read here: departments (recipients mapped to the
organisation profile's people), top sender domains, the report rate and the time-to-report spread.

*Report rate* is the share of the people who received an attack (flagged, or decided malicious or
phishing simulation) who reported it: per case, distinct reporters (at most the number of
recipients) over recipients. It is the security-culture figure phishing simulations aim to raise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rempart.config import OrgProfile
from rempart.service.console import i18n
from rempart.store import stats
from rempart.store.models import Case, CaseAddress, Report
from rempart.store.timeutil import utcnow

RECIPIENT_ROLES = ("to", "cc", "envelope_to")
LEVELS = ("clean", "suspicious", "malicious")
DELAY_BUCKETS = (  # upper bounds in seconds, and their label keys
    (300, "dash.delay.5m"),
    (900, "dash.delay.15m"),
    (3600, "dash.delay.1h"),
    (4 * 3600, "dash.delay.4h"),
    (86400, "dash.delay.24h"),
    (float("inf"), "dash.delay.more"),
)
CHARTS = ("per_day", "lure_types", "targeted_people", "departments", "time_to_report", "sender_domains")


@dataclass(frozen=True)
class Chart:
    key: str
    kind: str  # columns (stacked, over time) | bars (horizontal, ranked)
    series: list[str]  # series keys, translated by ``series_labels``
    series_labels: list[str]
    rows: list[tuple[str, list[float]]]  # (label, one value per series)
    columns: list[str] = field(default_factory=list)  # CSV header: [id column,] label column, series
    ids: list[str] = field(default_factory=list)  # raw identifiers behind the labels (CSV, hover), if any

    @property
    def empty(self) -> bool:
        return not any(v for _label, values in self.rows for v in values)


@dataclass(frozen=True)
class Dashboard:
    since: datetime
    until: datetime
    days: int
    total: int
    flagged: int
    by_verdict: dict[str, int]
    reports: int
    reporters: int
    report_rate: float | None
    attacks_received: int
    median_report_seconds: float | None
    p90_report_seconds: float | None
    charts: dict[str, Chart]


def _people(org: OrgProfile) -> dict[str, tuple[str, str]]:
    """address → (name, department) for everyone the profile names."""
    out: dict[str, tuple[str, str]] = {}
    for person in [*org.vips, *org.employees]:
        if person.email:
            out[person.email.strip().lower()] = (person.name, person.department)
    return out


def _attack_filter() -> Any:
    return or_(
        Case.decision.in_(("malicious", "phishing_simulation")),
        (Case.decision.is_(None)) & (Case.level != "clean"),
    )


def build(session: Session, org: OrgProfile, lang: str, days: int = 30, now: datetime | None = None) -> Dashboard:
    until = now or utcnow()
    since = until - timedelta(days=days)
    figures = stats.stats(session, since=since, until=until, top=10)
    in_range = (Case.created_at >= since, Case.created_at < until)
    people = _people(org)
    t = partial(i18n.text, lang)

    # Messages and verdicts per day, every day of the period (empty days included).
    per_day = {row["day"]: row for row in figures["by_day"]}
    day_rows: list[tuple[str, list[float]]] = []
    for i in range(days, -1, -1):
        key = (until - timedelta(days=i)).strftime("%Y-%m-%d")
        row = per_day.get(key, {})
        day_rows.append((key, [float(row.get(level, 0)) for level in LEVELS]))
    charts: dict[str, Chart] = {}
    charts["per_day"] = Chart(
        "per_day", "columns", list(LEVELS), [t(f"verdict.{v}") for v in LEVELS], day_rows,
        ["day", *LEVELS],
    )
    charts["lure_types"] = Chart(
        "lure_types", "bars", ["cases"], [t("dash.cases")],
        [(t(f"lure.{k}"), [float(v)]) for k, v in figures["by_lure_type"].items()][:12],
        ["lure_type", "cases"],
    )
    targeted = [
        (people.get(row["address"], ("", ""))[0] or row["address"], [float(row["cases"])])
        for row in figures["top_targeted_recipients"]
    ]
    charts["targeted_people"] = Chart(
        "targeted_people", "bars", ["cases"], [t("dash.cases")], targeted, ["recipient", "name", "cases"],
        [row["address"] for row in figures["top_targeted_recipients"]],
    )

    departments: Counter[str] = Counter()
    recipients_by_case: dict[int, set[str]] = {}
    for case_id, address in session.execute(
        select(CaseAddress.case_id, CaseAddress.address)
        .join(Case, Case.id == CaseAddress.case_id)
        .where(*in_range, Case.level != "clean", CaseAddress.role.in_(RECIPIENT_ROLES))
        .limit(200_000)
    ):
        recipients_by_case.setdefault(case_id, set()).add(address)
    for addresses in recipients_by_case.values():
        for address in addresses:
            department = people.get(address, ("", ""))[1] or t("dash.no_department")
            departments[department] += 1
    charts["departments"] = Chart(
        "departments", "bars", ["cases"], [t("dash.cases")],
        [(d, [float(n)]) for d, n in departments.most_common(10)], ["department", "cases"],
    )

    delays: Counter[str] = Counter()
    for reported_at, received_at in session.execute(
        select(Report.reported_at, Case.received_at)
        .join(Case, Case.id == Report.case_id)
        .where(Report.reported_at >= since, Report.reported_at < until, Case.received_at.is_not(None))
    ):
        seconds = (reported_at - received_at).total_seconds() if received_at is not None else -1.0
        if seconds >= 0:
            delays[next(k for bound, k in DELAY_BUCKETS if seconds < bound)] += 1
    charts["time_to_report"] = Chart(
        "time_to_report", "bars", ["reports"], [t("dash.reports")],
        [(t(key), [float(delays[key])]) for _b, key in DELAY_BUCKETS], ["delay", "reports"],
    )

    domains = session.execute(
        select(Case.sender_domain, func.count())
        .where(*in_range, Case.level != "clean", Case.sender_domain != "")
        .group_by(Case.sender_domain)
        .order_by(func.count().desc(), Case.sender_domain)
        .limit(10)
    ).all()
    charts["sender_domains"] = Chart(
        "sender_domains", "bars", ["cases"], [t("dash.cases")],
        [(str(d), [float(n)]) for d, n in domains], ["sender_domain", "cases"],
    )

    # Report rate over attacks received in the period: reporters / recipients, per case.
    attack_ids = [
        i for (i,) in session.execute(select(Case.id).where(*in_range, _attack_filter()).limit(200_000))
    ]
    received = reported = 0
    if attack_ids:
        recipients: Counter[int] = Counter()
        reporters: Counter[int] = Counter()
        for chunk in range(0, len(attack_ids), 5000):
            ids = attack_ids[chunk : chunk + 5000]
            for case_id, n in session.execute(
                select(CaseAddress.case_id, func.count(func.distinct(CaseAddress.address)))
                .where(CaseAddress.case_id.in_(ids), CaseAddress.role.in_(RECIPIENT_ROLES))
                .group_by(CaseAddress.case_id)
            ):
                recipients[case_id] = int(n)
            for case_id, n in session.execute(
                select(Report.case_id, func.count(func.distinct(Report.reporter)))
                .where(Report.case_id.in_(ids))
                .group_by(Report.case_id)
            ):
                reporters[case_id] = int(n)
        for case_id in attack_ids:
            people_reached = max(recipients[case_id], reporters[case_id], 1)
            received += people_reached
            reported += min(reporters[case_id], people_reached)
    by_verdict = {k: int(v) for k, v in figures["by_verdict"].items()}
    ttr = figures["reports"]["time_to_report_seconds"]
    return Dashboard(
        since=since,
        until=until,
        days=days,
        total=int(figures["total"]),
        flagged=by_verdict.get("suspicious", 0) + by_verdict.get("malicious", 0),
        by_verdict=by_verdict,
        reports=int(figures["reports"]["count"]),
        reporters=int(figures["reports"]["reporters"]),
        report_rate=(reported / received) if received else None,
        attacks_received=received,
        median_report_seconds=ttr["median"],
        p90_report_seconds=ttr["p90"],
        charts=charts,
    )
