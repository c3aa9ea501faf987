"""Quarantine through the store (issue 6's ``rempart.store.cases``): hold, and hand released mail back.

The filter holds a ``malicious`` message as a case with ``quarantine = held``. An analyst
releases it through the API (``POST /cases/{id}/release`` → ``release_requested``); the filter
polls ``pending_releases``, spools the message for delivery with fresh ``X-Rempart-*`` headers and
``X-Rempart-Released``, then marks the case ``released``. Every step is idempotent, so a crash
between two of them repeats nothing: a held case is found again by digest and envelope, and a
release already spooled is recognised by its spool key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from rempart.gateway.scanning import case_from_document
from rempart.store import cases
from rempart.store.cases import StoreOptions
from rempart.store.database import Database
from rempart.store.models import Case


@dataclass(frozen=True)
class Release:
    case_id: int
    raw: bytes | None  # None once retention purged the body: it cannot be delivered
    envelope_from: str
    envelope_to: tuple[str, ...]
    verdict: str  # the analyst's decision when there is one, else the engine's level
    score: float
    reasons: tuple[tuple[str, float], ...]


def hold(db: Database, opts: StoreOptions, raw: bytes, document: dict[str, Any]) -> int:
    """Keep ``raw`` as a held case (once: a retry after a crash finds the first one)."""
    new = case_from_document(raw, document)
    digest = hashlib.sha256(raw).hexdigest()
    with db.write() as session:
        existing = session.execute(
            select(Case).where(Case.digest == digest, Case.source == "gateway", Case.quarantine != "none")
        ).scalars().all()
        for case in existing:
            if list(case.envelope_to or []) == list(new.envelope_to):
                return case.id
        return cases.add_case(session, new, opts).id


def pending(db: Database, limit: int = 100) -> list[Release]:
    with db.read() as session:
        out = []
        for case in cases.pending_releases(session, limit):
            reasons = tuple((str(r.get("code", "")), float(r.get("weight", 0.0)))
                            for r in (case.verdict or {}).get("reasons", []))
            out.append(Release(
                case_id=case.id,
                raw=cases.raw_message(session, case.id),
                envelope_from=case.envelope_from or "",
                envelope_to=tuple(case.envelope_to or ()),
                verdict=case.decision or case.level,
                score=case.score,
                reasons=reasons,
            ))
        return out


def mark_released(db: Database, opts: StoreOptions, case_id: int) -> None:
    with db.write() as session:
        if cases.get_case(session, case_id).quarantine == "release_requested":
            cases.mark_released(session, case_id, opts)
