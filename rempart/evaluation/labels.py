"""Label files: CSV with ``split,label,path,source`` (plus optional ``config`` and ``kind``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rempart.errors import InputError

POSITIVE = frozenset({"phish", "ai_phish"})
NEGATIVE = frozenset({"ham", "ai_ham"})
REQUIRED = ("split", "label", "path", "source")


@dataclass(frozen=True, slots=True)
class Labelled:
    split: str
    label: str
    path: Path  # resolved against the CSV's folder
    source: str
    kind: str = ""
    config: Path | None = None  # per-row org profile (``config`` column), resolved like ``path``

    @property
    def is_positive(self) -> bool:
        return self.label in POSITIVE

    @property
    def is_negative(self) -> bool:
        return self.label in NEGATIVE


def read_labels(csv_path: Path, split: str | None = None) -> list[Labelled]:
    try:
        handle = csv_path.open(newline="", encoding="utf-8")
    except OSError as err:
        raise InputError(f"Cannot read labels file {csv_path} ({err.strerror}); check the path.") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"Labels file {csv_path} lacks column(s) {', '.join(missing)}; "
                             "it needs split,label,path,source.")
        base = csv_path.parent
        rows = []
        for row in reader:
            if split and row["split"] != split:
                continue
            cfg = row.get("config") or ""
            rows.append(Labelled(row["split"], row["label"], base / row["path"], row["source"],
                                 row.get("kind") or "", base / cfg if cfg else None))
    return rows
