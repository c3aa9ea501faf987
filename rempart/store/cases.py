"""Cases: messages Rempart kept, what analysts decided about them, and quarantine.

Every function that changes something runs inside ``Database.write()`` and appends its audit
entry in the same transaction: a case and its audit entry are committed together or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ARRAY, Boolean, LargeBinary, Select, String, Table, bindparam, func, insert, select, true
from sqlalchemy.orm import Session, make_transient_to_detached

from rempart.store import audit, campaigns
from rempart.store.audit import AuditSigner
from rempart.store.compression import CODEC, pack, pack_json, unpack, unpack_json
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import Campaign, Case, CaseAddress, CaseContent, CaseSignature, LshBand, Report
from rempart.store.timeutil import utcnow

DECISIONS = ("malicious", "phishing_simulation", "spam", "clean")
LEVELS = ("clean", "suspicious", "malicious")
STATUSES = ("new", "decided")
SOURCES = ("scan", "report", "gateway")
QUARANTINE = ("none", "held", "release_requested", "released")
ADDRESS_ROLES = ("from", "sender", "reply_to", "to", "cc", "envelope_from", "envelope_to")


@dataclass(frozen=True)
class NewCase:
    """Everything the store keeps about one scanned message (built by ``rempart.service.intake``)."""

    raw: bytes
    level: str
    score: float
    lure_type: str
    verdict: dict[str, Any]  # reasons (code, weight, source, evidence, texts), rule hits, model score
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    source: str = "scan"
    message_id: str = ""
    subject: str = ""
    sender_address: str = ""
    sender_domain: str = ""
    addresses: tuple[tuple[str, str], ...] = ()  # (role, address)
    received_at: datetime | None = None
    envelope_from: str | None = None
    envelope_to: tuple[str, ...] = ()
    signature: campaigns.Signature | None = None
    quarantine: bool = False  # the gateway holds the message until an analyst releases it
    content: PackedContent | None = None  # raw and facts already compressed (e.g. by a scan worker)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True, slots=True)
class PackedContent:
    """What ``case_contents`` keeps, compressed: built by ``pack_content`` from the same raw and facts."""

    codec: str
    raw: bytes
    facts: bytes


def pack_content(raw: bytes, facts: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> PackedContent:
    """Compress a case's content (CPU work: done where it is cheap, before the writers' lock)."""
    return PackedContent(CODEC, pack(raw), pack_json({"facts": facts, "findings": findings}))


@dataclass(frozen=True)
class StoreOptions:
    """How the caller wants writes recorded: who acts, with which key, campaign threshold."""

    actor: str
    signer: AuditSigner | None = None
    campaign_threshold: float = 0.5


# Rows without ORM bookkeeping (plain inserts): a case is written many times a second.
_CASES = cast(Table, Case.__table__)
_CASE_COLUMNS = tuple(c.key for c in _CASES.columns)
_CASE_INSERT = insert(_CASES).returning(_CASES.c.id)
_CONTENTS = cast(Table, CaseContent.__table__)
_ADDRESSES = cast(Table, CaseAddress.__table__)
_SIGNATURES = cast(Table, CaseSignature.__table__)
_BANDS = cast(Table, LshBand.__table__)


@cache
def _postgresql_case_insert() -> Select[Any]:
    """One PostgreSQL statement for a new case: its row (``RETURNING id``), content, addresses,
    signature and LSH bands, as data-modifying CTEs (variable rows from ``unnest`` of arrays).
    Foreign keys to the new row hold: they are checked at the end of the statement."""
    new_case = (
        insert(_CASES)
        .values({c.key: bindparam(c.key, type_=c.type) for c in _CASES.columns if c.key != "id"})
        .returning(_CASES.c.id)
        .cte("new_case")
    )
    content = insert(_CONTENTS).from_select(
        ["case_id", "codec", "raw", "facts"],
        select(
            new_case.c.id,
            bindparam("x_codec", type_=String),
            bindparam("x_raw", type_=LargeBinary),
            bindparam("x_facts", type_=LargeBinary),
        ),
    )
    pairs = (
        func.unnest(bindparam("x_roles", type_=ARRAY(String)), bindparam("x_addresses", type_=ARRAY(String)))
        .table_valued("role", "address")
        .render_derived(name="pairs")
    )
    addresses = insert(_ADDRESSES).from_select(
        ["case_id", "role", "address"],
        select(new_case.c.id, pairs.c.role, pairs.c.address).select_from(new_case.join(pairs, true())),
    )
    signature = insert(_SIGNATURES).from_select(
        ["case_id", "minhash", "infra_key"],
        select(
            new_case.c.id, bindparam("x_minhash", type_=LargeBinary), bindparam("x_infra_key", type_=String)
        ).where(bindparam("x_signed", type_=Boolean)),
    )
    keys = (
        func.unnest(bindparam("x_band_keys", type_=ARRAY(String)))
        .table_valued("band_key")
        .render_derived(name="keys")
    )
    bands = insert(_BANDS).from_select(
        ["band_key", "case_id"], select(keys.c.band_key, new_case.c.id).select_from(new_case.join(keys, true()))
    )
    return select(new_case.c.id).add_cte(
        content.cte("content"), addresses.cte("addresses"), signature.cte("signature"), bands.cte("bands")
    )


def _priority(case: Case) -> int:
    return campaigns.priority(case.score, case.report_count)


def add_case(session: Session, new: NewCase, opts: StoreOptions, *, now: datetime | None = None) -> Case:
    when = now or utcnow()
    values: dict[str, Any] = dict.fromkeys(_CASE_COLUMNS)  # every column set: nothing left to load
    values.update(
        created_at=when,
        updated_at=when,
        received_at=new.received_at,
        source=new.source,
        status="new",
        level=new.level,
        score=new.score,
        lure_type=new.lure_type,
        verdict=new.verdict,
        digest=new.digest,
        message_id=new.message_id[:500],
        subject=new.subject[:500],
        sender_address=new.sender_address[:320],
        sender_domain=new.sender_domain[:255],
        raw_size=len(new.raw),
        envelope_from=new.envelope_from,
        envelope_to=list(new.envelope_to),
        quarantine="held" if new.quarantine else "none",
        report_count=0,
        priority=campaigns.priority(new.score, 0),
    )
    del values["id"]
    content = new.content or pack_content(new.raw, new.facts, new.findings)
    seen: set[tuple[str, str]] = set()
    pairs: list[tuple[str, str]] = []
    for role, address in new.addresses:
        key = (role, address.strip().lower()[:320])
        if key[1] and key not in seen:
            seen.add(key)
            pairs.append(key)
    sig = new.signature
    if session.get_bind().dialect.name == "postgresql":  # the case and its rows in one round trip
        case_id = session.execute(
            _postgresql_case_insert(),
            {
                **values,
                "x_codec": content.codec,
                "x_raw": content.raw,
                "x_facts": content.facts,
                "x_roles": [r for r, _ in pairs],
                "x_addresses": [a for _, a in pairs],
                "x_signed": sig is not None,
                "x_minhash": sig.minhash if sig else b"",
                "x_infra_key": sig.infra_key if sig else "",
                "x_band_keys": campaigns.band_keys(sig, opts.campaign_threshold) if sig else [],
            },
        ).scalar_one()
    else:  # SQLite is in the process: separate plain statements cost no round trip
        case_id = session.execute(_CASE_INSERT, values).scalar_one()
        session.execute(
            insert(_CONTENTS),
            [{"case_id": case_id, "codec": content.codec, "raw": content.raw, "facts": content.facts}],
        )
        if pairs:
            session.execute(insert(_ADDRESSES), [{"case_id": case_id, "role": r, "address": a} for r, a in pairs])
        if sig is not None:
            campaigns.store_signature(session, case_id, sig, opts.campaign_threshold)
    # The row written by a plain INSERT is handed to the session as persistent: later changes
    # (campaign, reports) are tracked as usual, without a unit-of-work flush for the insert.
    case = Case(id=case_id, **values)
    make_transient_to_detached(case)
    session.add(case)
    campaign = None
    if sig is not None:
        campaign = campaigns.assign(session, case, opts.campaign_threshold, signature=sig)
    audit.append(
        session,
        actor=opts.actor,
        action="case.create",
        object_type="case",
        object_id=case.id,
        details={
            "verdict": case.level,
            "score": round(case.score, 4),
            "digest": case.digest,
            "source": case.source,
            "quarantine": case.quarantine,
            "campaign": campaign.id if campaign else None,
        },
        signer=opts.signer,
        at=when,
    )
    return case


def record_scan(session: Session, *, digest: str, level: str, score: float, opts: StoreOptions) -> None:
    """A verdict given without keeping a case is still audited (digest and verdict only)."""
    audit.append(
        session,
        actor=opts.actor,
        action="scan",
        object_type="message",
        object_id=digest[:64],
        details={"verdict": level, "score": round(score, 4)},
        signer=opts.signer,
    )


def find_existing(session: Session, new: NewCase) -> Case | None:
    """The case a reported message joins: same Message-ID, else the same bytes."""
    if new.message_id:
        found = session.execute(
            select(Case).where(Case.message_id == new.message_id[:500]).order_by(Case.id.desc()).limit(1)
        ).scalar()
        if found is not None:
            return found
    return session.execute(
        select(Case).where(Case.digest == new.digest).order_by(Case.id.desc()).limit(1)
    ).scalar()


def add_report(
    session: Session,
    new: NewCase,
    reporter: str,
    opts: StoreOptions,
    *,
    channel: str = "api",
    now: datetime | None = None,
) -> tuple[Case, Report, bool]:
    """File an employee's report: join the existing case or create one. Returns (case, report, joined)."""
    when = now or utcnow()
    case = find_existing(session, new)
    joined = case is not None
    if case is None:
        case = add_case(session, NewCase(**{**new.__dict__, "source": "report"}), opts, now=when)
    report = Report(
        case_id=case.id,
        reporter=reporter.strip().lower()[:320],
        reported_at=when,
        channel=channel,
        feedback_status="pending",
    )
    session.add(report)
    case.report_count += 1
    case.first_reported_at = min(case.first_reported_at or when, when)
    case.priority = _priority(case)
    case.updated_at = when
    session.flush()
    if case.campaign_id is None:
        campaigns.assign(session, case, opts.campaign_threshold)
    if case.campaign_id is not None:
        campaigns.refresh(session, case.campaign_id)
    audit.append(
        session,
        actor=opts.actor,
        action="case.report",
        object_type="case",
        object_id=case.id,
        details={"report": report.id, "channel": channel, "joined": joined, "campaign": case.campaign_id},
        signer=opts.signer,
        at=when,
    )
    return case, report, joined


@dataclass(frozen=True)
class CaseFilter:
    level: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sender_domain: str | None = None
    reporter: str | None = None
    campaign_id: int | None = None
    lure_type: str | None = None
    quarantine: str | None = None


def _filtered(query: Select[Any], f: CaseFilter) -> Select[Any]:
    if f.level:
        query = query.where(Case.level == f.level)
    if f.status:
        query = query.where(Case.status == f.status)
    if f.since:
        query = query.where(Case.created_at >= f.since)
    if f.until:
        query = query.where(Case.created_at < f.until)
    if f.sender_domain:
        query = query.where(Case.sender_domain == f.sender_domain.lower())
    if f.reporter:
        query = query.where(Case.id.in_(select(Report.case_id).where(Report.reporter == f.reporter.lower())))
    if f.campaign_id is not None:
        query = query.where(Case.campaign_id == f.campaign_id)
    if f.lure_type:
        query = query.where(Case.lure_type == f.lure_type)
    if f.quarantine:
        query = query.where(Case.quarantine == f.quarantine)
    return query


def find_cases(
    session: Session, f: CaseFilter, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Case], int]:
    total = session.execute(_filtered(select(func.count(Case.id)), f)).scalar_one()
    rows = (
        session.execute(
            _filtered(select(Case), f)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .scalars()
        .all()
    )
    return rows, int(total)


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"Case {case_id} does not exist.")
    return case


def case_addresses(session: Session, case_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(CaseAddress.role, CaseAddress.address)
        .where(CaseAddress.case_id == case_id)
        .order_by(CaseAddress.id)
    ).all()
    return [(r, a) for r, a in rows]


def case_reports(session: Session, case_id: int) -> Sequence[Report]:
    return (
        session.execute(select(Report).where(Report.case_id == case_id).order_by(Report.id)).scalars().all()
    )


def raw_message(session: Session, case_id: int) -> bytes | None:
    """The original message, or None once retention purged it."""
    content = session.get(CaseContent, case_id)
    return None if content is None else unpack(content.raw, content.codec)


def case_facts(session: Session, case_id: int) -> dict[str, Any] | None:
    content = session.get(CaseContent, case_id)
    if content is None:
        return None
    data: dict[str, Any] = unpack_json(content.facts, content.codec)
    return data


def decide(
    session: Session,
    case_id: int,
    decision: str,
    comment: str,
    opts: StoreOptions,
    *,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    if decision not in DECISIONS:
        raise InvalidState(f"Decision must be one of {', '.join(DECISIONS)}.")
    when = now or utcnow()
    case = get_case(session, case_id)
    previous = case.decision
    case.decision, case.decision_comment = decision, comment
    case.decided_by, case.decided_at, case.status, case.updated_at = opts.actor, when, "decided", when
    details: dict[str, Any] = {
        "decision": decision,
        "previous": previous,
        "comment_sha256": hashlib.sha256(comment.encode("utf-8")).hexdigest(),
    }
    if campaign_id is not None:
        details["campaign"] = campaign_id
    audit.append(
        session,
        actor=opts.actor,
        action="case.decision",
        object_type="case",
        object_id=case.id,
        details=details,
        signer=opts.signer,
        at=when,
    )
    return case


def decide_campaign(
    session: Session,
    campaign_id: int,
    decision: str,
    comment: str,
    opts: StoreOptions,
    *,
    now: datetime | None = None,
) -> tuple[Campaign, int]:
    """Apply one decision to every case of a campaign, audited once per case."""
    when = now or utcnow()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"Campaign {campaign_id} does not exist.")
    members = campaigns.campaign_cases(session, campaign_id)
    for case in members:
        decide(session, case.id, decision, comment, opts, campaign_id=campaign_id, now=when)
    campaign.decision, campaign.decided_by, campaign.decided_at = decision, opts.actor, when
    campaign.status, campaign.updated_at = "decided", when
    return campaign, len(members)


def request_release(
    session: Session, case_id: int, opts: StoreOptions, *, now: datetime | None = None
) -> Case:
    """An analyst releases quarantined mail; the gateway delivers it (see ``pending_releases``)."""
    when = now or utcnow()
    case = get_case(session, case_id)
    if case.quarantine != "held":
        raise InvalidState(f"Case {case_id} is not held in quarantine (state: {case.quarantine}).")
    case.quarantine, case.released_by, case.released_at, case.updated_at = (
        "release_requested",
        opts.actor,
        when,
        when,
    )
    audit.append(
        session,
        actor=opts.actor,
        action="case.release",
        object_type="case",
        object_id=case.id,
        details={"quarantine": "release_requested"},
        signer=opts.signer,
        at=when,
    )
    return case


def pending_releases(session: Session, limit: int = 100) -> Sequence[Case]:
    return (
        session.execute(
            select(Case).where(Case.quarantine == "release_requested").order_by(Case.released_at).limit(limit)
        )
        .scalars()
        .all()
    )


def mark_released(session: Session, case_id: int, opts: StoreOptions) -> Case:
    case = get_case(session, case_id)
    if case.quarantine != "release_requested":
        raise InvalidState(f"Case {case_id} has no pending release (state: {case.quarantine}).")
    case.quarantine, case.updated_at = "released", utcnow()
    audit.append(
        session,
        actor=opts.actor,
        action="case.delivered",
        object_type="case",
        object_id=case.id,
        details={"quarantine": "released"},
        signer=opts.signer,
    )
    return case
