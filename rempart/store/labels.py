"""Analyst decisions as labels for retraining: the ``split,label,path,source`` CSV ``rempart eval`` reads.

decision → label: malicious → phish, phishing_simulation → phish, clean → ham, spam → spam (neither
positive nor negative for ``rempart eval``). ``path`` is ``cases/<id>.eml`` (written next to the CSV by
``rempart db export-labels DIR``, or fetched with ``GET /api/v1/cases/<id>/raw``); once retention has
purged the raw message it is ``case:<id>``, a reference to the case's metadata only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rempart.store.cases import raw_message
from rempart.store.models import Case

LABEL_OF = {"malicious": "phish", "phishing_simulation": "phish", "clean": "ham", "spam": "spam"}
SPLIT = "feedback"
HEADER = ("split", "label", "path", "source")


@dataclass(frozen=True, slots=True)
class LabelRow:
    case_id: int
    label: str
    path: str
    source: str
    purged: bool


def label_rows(session: Session, *, since: datetime | None = None) -> Iterator[LabelRow]:
    query = select(Case.id, Case.decision, Case.content_purged_at).where(Case.decision.is_not(None))
    if since is not None:
        query = query.where(Case.decided_at >= since)
    for case_id, decision, purged_at in session.execute(query.order_by(Case.id)):
        purged = purged_at is not None
        path = f"case:{case_id}" if purged else f"cases/{case_id}.eml"
        yield LabelRow(case_id, LABEL_OF.get(str(decision), "spam"), path, f"rempart:{decision}", purged)


def labels_csv(session: Session, *, since: datetime | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in label_rows(session, since=since):
        writer.writerow((SPLIT, row.label, row.path, row.source))
    return out.getvalue()


def export_labels_dir(session: Session, directory: Path) -> tuple[int, int]:
    """Write ``labels.csv`` and ``cases/<id>.eml``; purged cases are left out. Returns (written, skipped)."""
    (directory / "cases").mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    with (directory / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for row in label_rows(session):
            raw = None if row.purged else raw_message(session, row.case_id)
            if raw is None:
                skipped += 1
                continue
            (directory / row.path).write_bytes(raw)
            writer.writerow((SPLIT, row.label, row.path, row.source))
            written += 1
    return written, skipped
