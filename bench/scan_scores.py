"""Scan labelled mail and write every message's score, so that two commits can be compared message by message.

    .venv/bin/python bench/scan_scores.py OUT.json [--split train|guard|dev|all] [--no-profile] [--no-model]
    .venv/bin/python bench/scan_scores.py --diff BEFORE.json AFTER.json [--min 0.01]
    .venv/bin/python bench/scan_scores.py --summary OUT.json

The labelled sets are the dev corpus (``../shared/corpus/labels.csv``) and every organisation of the French
bench (``bench/corpus-fr/*/labels.csv``). ``--split train`` is dev plus the bench's train halves (what may be
tuned on); ``guard`` the bench's guard halves (never tuned on: look at them only after a change is decided).
Each row is scanned with its organisation's profile, or with the embedded defaults under ``--no-profile``.
The output maps each path to ``[label, source, score, model score, verdict, finding codes, rule ids]``;
``--diff`` prints every message whose score moved by at least ``--min`` with the codes it gained and lost, which
is what a commit message should list. Two worker processes.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV_LABELS = ROOT.parent / "shared" / "corpus" / "labels.csv"
POSITIVE = {"phish", "ai_phish"}
NEGATIVE = {"ham", "ai_ham"}

Row = tuple[str, str, str, str | None]  # path, label, source, config


def _rows(split: str) -> list[Row]:
    from rempart.model.dataset import load_rows

    labels = sorted((ROOT / "bench" / "corpus-fr").glob("*/labels.csv"))
    if split != "guard" and DEV_LABELS.is_file():
        labels = [DEV_LABELS, *labels]
    if split == "dev":
        labels = [DEV_LABELS]
    rows = [(str(item.path), item.label, item.source, cfg, item.split) for item, cfg in load_rows(labels)]
    if split == "guard":
        rows = [r for r in rows if r[4] == "guard"]
    elif split in ("train", "dev"):
        rows = [r for r in rows if r[4] != "guard"]
    return [r[:4] for r in rows]


def _scan(job: tuple[list[Row], bool, bool]) -> dict[str, list[Any]]:
    from rempart.config import load_config
    from rempart.engine.build import build_engine
    from rempart.message import parse_message
    from rempart.model.dataset import without_model

    rows, no_profile, no_model = job
    engines: dict[str | None, Any] = {}
    out: dict[str, list[Any]] = {}
    for path, label, source, cfg in rows:
        key = None if no_profile else cfg
        if key not in engines:
            config = load_config(key)
            engines[key] = build_engine(without_model(config) if no_model else config)
        engine = engines[key]
        verdict = engine.scan_message(parse_message(Path(path).read_bytes(), engine.config.limits))
        out[path] = [label, source, round(verdict.score, 4),
                     None if verdict.model_score is None else round(verdict.model_score, 4), verdict.level.value,
                     sorted({f.code for f in verdict.findings}), sorted(h.rule_id for h in verdict.rule_hits)]
    return out


def _diff(before_path: str, after_path: str, least: float) -> None:
    before, after = json.loads(Path(before_path).read_text()), json.loads(Path(after_path).read_text())
    moved = 0
    for path in sorted(before):
        if path not in after or abs(before[path][2] - after[path][2]) < least:
            continue
        moved += 1
        old, new = set(before[path][5]) | set(before[path][6]), set(after[path][5]) | set(after[path][6])
        print(f"{before[path][0]:9s} {before[path][2]:.3f} -> {after[path][2]:.3f}  {path}  "
              f"+{sorted(new - old)} -{sorted(old - new)}")
    print(f"{moved} moved")


def _summary(path: str) -> None:
    from rempart.evaluation.metrics import roc_auc, tpr_at_fpr

    scores = json.loads(Path(path).read_text())
    for name, keep in (("all", lambda p: True), ("dev", lambda p: "corpus-fr" not in p),
                       ("bench", lambda p: "corpus-fr" in p)):
        pos = [v[2] for p, v in scores.items() if keep(p) and v[0] in POSITIVE]
        neg = [v[2] for p, v in scores.items() if keep(p) and v[0] in NEGATIVE]
        if not pos or not neg:
            continue
        flagged = sum(s >= 0.5 for s in pos) / len(pos)
        auc, tpr = roc_auc(pos, neg) or 0.0, tpr_at_fpr(pos, neg, 0.01) or 0.0
        print(f"{name:6s} attacks {len(pos):5d} legitimate {len(neg):5d}  AUC {auc:.4f}  @1% FPR {tpr:.3f}  "
              f"flagged {flagged:.3f}  legitimate flagged {sum(s >= 0.5 for s in neg)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", help="JSON file to write")
    parser.add_argument("--split", default="train", choices=["train", "guard", "dev", "all"])
    parser.add_argument("--no-profile", action="store_true", help="scan every row with the embedded defaults")
    parser.add_argument("--no-model", action="store_true", help="leave the model out of the fusion")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--min", type=float, default=0.01, help="smallest score move --diff reports")
    parser.add_argument("--summary", metavar="SCORES")
    args = parser.parse_args()
    if args.diff:
        _diff(args.diff[0], args.diff[1], args.min)
        return 0
    if args.summary:
        _summary(args.summary)
        return 0
    if not args.out:
        parser.error("give the JSON file to write, or --diff / --summary")
    rows = _rows(args.split)
    jobs = [(rows[i::2], args.no_profile, args.no_model) for i in range(2)]
    result: dict[str, list[Any]] = {}
    with ProcessPoolExecutor(2) as pool:
        for part in pool.map(_scan, jobs):
            result.update(part)
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")
    print(f"{len(result)} messages scanned ({args.split}, {'no profile' if args.no_profile else 'profiles'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
