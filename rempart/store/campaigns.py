"""Campaigns: cases grouped by similarity, incrementally, as they arrive.

A case's signature is a MinHash (``datasketch``, 128 permutations) over word 3-shingles of its
normalised body (lower case, URLs, numbers and e-mail addresses folded), plus an *infrastructure
key*: the hash of the set of registered domains its links point to. LSH bands of the MinHash are
stored in ``lsh_bands`` (25 bands of 5 rows for a 0.5 threshold, from datasketch's optimiser), so
candidates are found with one indexed query, by any process, and survive restarts.

A candidate joins when the estimated Jaccard similarity of the bodies reaches the threshold
(``[service] campaign_threshold``, default 0.5), or when both share the same link
infrastructure and either the sender domain or 60 % of the threshold. Only flagged or
reported cases start a campaign; similar cases already stored (the same mail to other people,
even ones scanned clean) join it. Priority rises with the number of distinct reporters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import numpy as np
from sqlalchemy import Select, Table, bindparam, func, insert, select, union
from sqlalchemy.orm import Session

from rempart.store.models import Campaign, Case, CaseSignature, LshBand, Report
from rempart.store.timeutil import utcnow

NUM_PERM = 128
SHINGLE = 3
MAX_CANDIDATES = 200
_LEVEL_RANK = {"clean": 0, "suspicious": 1, "malicious": 2}
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# Anchored at a word start: the unanchored \S+@\S+ retries from every position of a long
# non-blank run, quadratic on hostile input (13 s for one real 174 KB message).
_EMAIL = re.compile(r"(?<!\S)[^\s@]+@\S+")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Signature:
    minhash: bytes  # NUM_PERM little-endian uint64
    infra_key: str  # "" when the message has no links

    def values(self) -> np.ndarray[Any, np.dtype[np.uint64]]:
        return np.frombuffer(self.minhash, dtype="<u8")


@cache
def _template() -> Any:
    from datasketch import MinHash  # imported on first use: datasketch pulls in scipy (seconds)

    return MinHash(num_perm=NUM_PERM, seed=1)


@cache
def lsh_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives at ``threshold`` (datasketch's optimiser)."""
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
    return int(bands), int(rows)


def normalised_words(text: str) -> list[str]:
    text = _URL.sub(" url ", text.lower())
    text = _EMAIL.sub(" addr ", text)
    text = _NUMBER.sub("0", text)
    return _WORD.findall(text)


def signature(body: str, link_domains: Iterable[str]) -> Signature | None:
    """None when there is neither text nor link to compare."""
    from datasketch import MinHash

    words = normalised_words(body)
    domains = sorted({d.lower() for d in link_domains if d})
    infra = hashlib.sha256("|".join(domains).encode()).hexdigest()[:40] if domains else ""
    if not words and not infra:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))}
    template = _template()
    mh = MinHash(num_perm=NUM_PERM, seed=1, permutations=template.permutations, scheme=template.scheme)
    if words:
        mh.update_batch(list(shingles))
    return Signature(np.asarray(mh.hashvalues, dtype="<u8").tobytes() if words else b"", infra)


def band_keys(sig: Signature, threshold: float) -> list[str]:
    if not sig.minhash:
        return []
    bands, rows = lsh_shape(threshold)
    values = sig.values()
    return [
        f"{i}:{hashlib.sha1(values[i * rows : (i + 1) * rows].tobytes()).hexdigest()[:24]}"
        for i in range(bands)
    ]


def jaccard(a: bytes, b: bytes) -> float:
    if not a or not b:
        return 0.0
    va, vb = np.frombuffer(a, dtype="<u8"), np.frombuffer(b, dtype="<u8")
    return float(np.count_nonzero(va == vb)) / len(va)


_SIGNATURES = cast(Table, CaseSignature.__table__)
_BANDS = cast(Table, LshBand.__table__)
_CASES = cast(Table, Case.__table__)


def store_signature(session: Session, case_id: int, sig: Signature, threshold: float) -> None:
    """Insert the case's signature and LSH band rows (plain inserts, no ORM objects)."""
    session.execute(
        insert(_SIGNATURES), [{"case_id": case_id, "minhash": sig.minhash, "infra_key": sig.infra_key}]
    )
    keys = band_keys(sig, threshold)
    if keys:
        session.execute(insert(_BANDS), [{"band_key": k, "case_id": case_id} for k in keys])


def eligible(case: Case) -> bool:
    """Only flagged or reported cases start or pull others into a campaign."""
    return case.level != "clean" or case.report_count > 0


def _candidates_query(with_infra: bool) -> Select[Any]:
    """Stored cases sharing an LSH band (or the link infrastructure) with a signature, newest first.

    The candidate ids are gathered first, each by an index lookup (``band_key IN (…)`` with the
    signature's own keys, ``infra_key = …``), then joined: the work grows with the number of
    similar cases, never with the size of the tables (an ``OR`` or a self-join on ``lsh_bands``
    made PostgreSQL scan them).
    """
    branches = [select(_BANDS.c.case_id).where(_BANDS.c.band_key.in_(bindparam("keys", expanding=True)))]
    if with_infra:
        branches.append(select(_SIGNATURES.c.case_id).where(_SIGNATURES.c.infra_key == bindparam("infra")))
    found = union(*branches).subquery("found")
    ids = (  # the newest candidates, cut to MAX_CANDIDATES before any join (a bounded plan, stats or not)
        select(found.c.case_id)
        .where(found.c.case_id != bindparam("me"))
        .order_by(found.c.case_id.desc())
        .limit(MAX_CANDIDATES)
        .subquery("candidates")
    )
    return (
        select(_SIGNATURES.c.case_id, _SIGNATURES.c.minhash, _SIGNATURES.c.infra_key, _CASES.c.sender_domain)
        .select_from(
            ids.join(_SIGNATURES, _SIGNATURES.c.case_id == ids.c.case_id).join(
                _CASES, _CASES.c.id == ids.c.case_id
            )
        )
        .order_by(ids.c.case_id.desc())
    )


_CANDIDATES = {with_infra: _candidates_query(with_infra) for with_infra in (False, True)}


def _similar(
    session: Session, case: Case, sig: Signature | CaseSignature, threshold: float
) -> list[tuple[int, float]]:
    """Ids of stored cases similar to ``case`` (with their body similarity), most similar first."""
    keys = band_keys(Signature(sig.minhash, sig.infra_key), threshold)
    if not keys and not sig.infra_key:
        return []
    params: dict[str, Any] = {"keys": keys, "me": case.id}
    if sig.infra_key:
        params["infra"] = sig.infra_key
    rows = session.execute(_CANDIDATES[bool(sig.infra_key)], params).all()
    found: list[tuple[int, float]] = []
    for cid, minhash, infra, sender_domain in rows:
        sim = jaccard(sig.minhash, minhash)
        same_infra = bool(sig.infra_key) and infra == sig.infra_key
        if sim >= threshold or (
            same_infra
            and (sim >= 0.6 * threshold or (case.sender_domain and sender_domain == case.sender_domain))
        ):
            found.append((cid, sim))
    found.sort(key=lambda x: -x[1])
    return found


def assign(
    session: Session, case: Case, threshold: float, *, signature: Signature | None = None
) -> Campaign | None:
    """Put an eligible case (and the similar cases not yet grouped) into a campaign; None if alone.

    ``signature``: the case's own, when the caller has it at hand (else it is read from the store).
    """
    if case.campaign_id is not None or not eligible(case):
        return None
    sig: Signature | CaseSignature | None = signature or session.get(CaseSignature, case.id)
    if sig is None:
        return None
    similar = _similar(session, case, sig, threshold)
    if not similar:
        return None
    ids = [cid for cid, _ in similar]
    members = {c.id: c for c in session.execute(select(Case).where(Case.id.in_(ids))).scalars()}
    campaign: Campaign | None = None
    for cid in ids:  # join the campaign of the most similar grouped case
        other = members.get(cid)
        if other is not None and other.campaign_id is not None:
            campaign = session.get(Campaign, other.campaign_id)
            break
    if campaign is None:
        now = utcnow()
        campaign = Campaign(created_at=now, updated_at=now, title=case.subject[:300])
        session.add(campaign)
        session.flush()
    for other in [case, *members.values()]:
        if other.campaign_id is None:
            other.campaign_id = campaign.id
    session.flush()
    refresh(session, campaign.id)
    return campaign


def refresh(session: Session, campaign_id: int) -> None:
    """Recompute a campaign's counts, worst verdict and priority from its cases."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    count, reports, max_score = session.execute(
        select(
            func.count(Case.id),
            func.coalesce(func.sum(Case.report_count), 0),
            func.coalesce(func.max(Case.score), 0),
        ).where(Case.campaign_id == campaign_id)
    ).one()
    reporters = session.execute(
        select(func.count(func.distinct(Report.reporter)))
        .join(Case, Case.id == Report.case_id)
        .where(Case.campaign_id == campaign_id)
    ).scalar_one()
    levels = session.execute(select(Case.level, Case.lure_type).where(Case.campaign_id == campaign_id)).all()
    worst = max(levels, key=lambda r: _LEVEL_RANK.get(r[0], 0)) if levels else ("clean", "none")
    lures = [lure for level, lure in levels if level != "clean" and lure != "none"]
    campaign.case_count = int(count)
    campaign.report_count = int(reports)
    campaign.reporter_count = int(reporters)
    campaign.max_score = float(max_score)
    campaign.level = worst[0]
    campaign.lure_type = max(sorted(set(lures)), key=lures.count) if lures else "none"
    campaign.priority = priority(campaign.max_score, campaign.reporter_count)
    campaign.updated_at = utcnow()


def priority(score: float, reporters: int) -> int:
    """0-100: half from the verdict score, half from distinct reporters (5 points each, up to 10)."""
    return round(score * 50) + min(reporters, 10) * 5


def campaign_cases(session: Session, campaign_id: int) -> Sequence[Case]:
    return (
        session.execute(select(Case).where(Case.campaign_id == campaign_id).order_by(Case.id)).scalars().all()
    )
