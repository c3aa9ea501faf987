"""GDPR: find every record of a person (by e-mail address), export it, or erase it — and say what was done.

Where a person appears: ``case_addresses`` (sender, recipients, envelope), ``cases.sender_address``
and ``reports.reporter``. Export returns those cases (metadata, raw message when still kept),
the person's reports and the audit entries about those cases. Erase:

- deletes the person's reports and address rows;
- for every case they appear in, deletes the raw message and facts (they name the person), blanks
  the subject and Message-ID, and replaces the address wherever it appears in the stored verdict;
- keeps verdicts, scores and decisions (no longer linked to the person), and the audit chain
  (which never held personal data), and appends one ``gdpr.erase`` entry with the counts only.

Other packages that keep personal data (console users, mail-flow spools) register an exporter
and an eraser with ``register`` so one command covers everything.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from rempart.store import audit
from rempart.store.audit import AuditSigner
from rempart.store.cases import raw_message
from rempart.store.models import AuditEntry, Campaign, Case, CaseAddress, CaseContent, Report
from rempart.store.timeutil import iso, utcnow

Exporter = Callable[[Session, str], dict[str, Any]]
Eraser = Callable[[Session, str], dict[str, int]]
_EXTRA: list[tuple[str, Exporter, Eraser]] = []
ERASED = "[erased]"


def register(name: str, exporter: Exporter, eraser: Eraser) -> None:
    """Add another table's personal data to export/erase (e.g. the console's users)."""
    _EXTRA.append((name, exporter, eraser))


def _registered() -> list[tuple[str, Exporter, Eraser]]:
    """Every table holding personal data, whichever entry point is running: the console's tables
    register themselves on import, so import them here (lazily: they import this module)."""
    import rempart.store.incidents
    import rempart.store.users  # noqa: F401

    return _EXTRA


def _norm(address: str) -> str:
    return address.strip().lower()


def case_ids_for(session: Session, address: str) -> list[int]:
    a = _norm(address)
    ids = set(session.execute(select(CaseAddress.case_id).where(CaseAddress.address == a)).scalars())
    ids |= set(session.execute(select(Case.id).where(func.lower(Case.sender_address) == a)).scalars())
    ids |= set(session.execute(select(Report.case_id).where(Report.reporter == a)).scalars())
    return sorted(ids)


def export_person(
    session: Session, address: str, *, actor: str, signer: AuditSigner | None = None, include_raw: bool = True
) -> dict[str, Any]:
    a = _norm(address)
    ids = case_ids_for(session, a)
    cases_out = []
    for case in session.execute(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).scalars():
        roles = sorted(
            set(
                session.execute(
                    select(CaseAddress.role).where(CaseAddress.case_id == case.id, CaseAddress.address == a)
                ).scalars()
            )
        )
        item: dict[str, Any] = {
            "case": case.id,
            "created_at": iso(case.created_at),
            "roles": roles,
            "subject": case.subject,
            "sender": case.sender_address,
            "verdict": case.level,
            "score": case.score,
            "decision": case.decision,
            "raw_purged": case.content_purged_at is not None,
        }
        if include_raw:
            raw = raw_message(session, case.id)
            if raw is not None:
                item["raw_base64"] = base64.b64encode(raw).decode("ascii")
        cases_out.append(item)
    reports = [
        {"report": r.id, "case": r.case_id, "reported_at": iso(r.reported_at), "channel": r.channel}
        for r in session.execute(select(Report).where(Report.reporter == a).order_by(Report.id)).scalars()
    ]
    audit_refs = [
        {"seq": e.seq, "at": iso(e.at), "action": e.action, "case": e.object_id}
        for e in session.execute(
            select(AuditEntry)
            .where(AuditEntry.object_type == "case", AuditEntry.object_id.in_([str(i) for i in ids]))
            .order_by(AuditEntry.seq)
        ).scalars()
    ]
    extra = {name: exporter(session, a) for name, exporter, _e in _registered()}
    audit.append(
        session,
        actor=actor,
        action="gdpr.export",
        object_type="person",
        object_id="",
        details={"cases": len(cases_out), "reports": len(reports)},
        signer=signer,
    )
    return {
        "address": a,
        "exported_at": iso(utcnow()),
        "cases": cases_out,
        "reports": reports,
        "audit_entries": audit_refs,
        **extra,
    }


def _scrub(value: Any, address: str) -> Any:
    if isinstance(value, str):
        return re.sub(re.escape(address), ERASED, value, flags=re.IGNORECASE)
    if isinstance(value, list):
        return [_scrub(v, address) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, address) for k, v in value.items()}
    return value


def erase_person(
    session: Session, address: str, *, actor: str, signer: AuditSigner | None = None
) -> dict[str, int]:
    a = _norm(address)
    ids = case_ids_for(session, a)
    done = {"cases": len(ids), "raw_messages_erased": 0, "addresses_removed": 0, "reports_removed": 0}
    for case in session.execute(select(Case).where(Case.id.in_(ids))).scalars():
        if session.get(CaseContent, case.id) is not None:
            session.execute(delete(CaseContent).where(CaseContent.case_id == case.id))
            done["raw_messages_erased"] += 1
        session.execute(
            update(Campaign)
            .where(Campaign.id == case.campaign_id, Campaign.title == case.subject)
            .values(title=ERASED)
        )
        case.content_purged_at = case.content_purged_at or utcnow()
        case.subject, case.message_id = ERASED, ""
        if case.sender_address.lower() == a:
            case.sender_address = ERASED
        if case.envelope_from and case.envelope_from.lower() == a:
            case.envelope_from = ERASED
        case.envelope_to = [ERASED if str(x).lower() == a else x for x in case.envelope_to]
        case.verdict = _scrub(case.verdict, a)
    removed: CursorResult[Any]
    removed = session.execute(delete(CaseAddress).where(CaseAddress.address == a))  # type: ignore[assignment]
    done["addresses_removed"] = removed.rowcount
    removed = session.execute(delete(Report).where(Report.reporter == a))  # type: ignore[assignment]
    done["reports_removed"] = removed.rowcount
    for case in session.execute(select(Case).where(Case.id.in_(ids))).scalars():
        case.report_count = session.execute(
            select(func.count(Report.id)).where(Report.case_id == case.id)
        ).scalar_one()
    for name, _x, eraser in _registered():
        for key, count in eraser(session, a).items():
            done[f"{name}.{key}"] = count
    audit.append(
        session,
        actor=actor,
        action="gdpr.erase",
        object_type="person",
        object_id="",
        details=dict(done),
        signer=signer,
    )
    return done
