"""Where the leave-one-source-out figures are lost: out-of-fold scores of every training message.

    .venv/bin/python bench/model_oof.py --labels ../shared/corpus/labels.csv \
        --labels bench/corpus-fr/*/labels.csv [--random] [--out oof.json] [--top 25]

Runs the same cross-validation as ``rempart train`` (leave one source out by default, ``--random`` for
stratified folds) and prints, for the fused verdict, the legitimate messages scored highest (they set the
thresholds at 1 % and 0.1 % false positives) and the attacks scored just below those thresholds, with the
model's and the analyzers' share of each score. ``--out`` writes every message's three scores as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from rempart.config import ModelSettings
from rempart.model.dataset import build_records, dedupe, load_rows
from rempart.model.evaluate import cross_validate, summarise
from rempart.model.features import Featurizer
from rempart.model.learner import TrainSettings
from rempart.model.train import HELD_OUT_SPLITS


def _threshold(neg: list[float], fpr: float) -> float:
    """The lowest score that flags at most ``fpr`` of the legitimate messages."""
    ordered = sorted(neg, reverse=True)
    k = int(np.floor(fpr * len(ordered)))
    return ordered[k] if k < len(ordered) else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", action="append", required=True, type=Path)
    parser.add_argument("--random", action="store_true", help="stratified random folds instead of sources")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    featurizer = Featurizer()
    rows = [(item, cfg) for item, cfg in load_rows(args.labels) if item.split not in HELD_OUT_SPLITS]
    print(f"scanning {len(rows)} messages", file=sys.stderr, flush=True)
    usable, _ = dedupe([r for r in build_records(rows, featurizer) if r.usable])
    oof = cross_validate(usable, featurizer, TrainSettings(seed=0), grouped=not args.random,
                         model_weight=ModelSettings().weight,
                         progress=lambda m: print(f"  held out {m}", file=sys.stderr, flush=True))
    summary = summarise(oof)
    for scorer in ("model", "analyzers", "fused"):
        b = summary[scorer]
        print(f"{scorer:10s} AUC {b['auc']:.4f}  @1% {100 * b['tpr_at_fpr_0.01']:.1f} %  "
              f"@0.1% {100 * b['tpr_at_fpr_0.001']:.1f} %")
    items = list(zip(oof.records, oof.model, oof.analyzers, oof.fused, strict=True))
    neg = [f for r, _m, _a, f in items if not r.positive]
    t1, t01 = _threshold(neg, 0.01), _threshold(neg, 0.001)
    print(f"\nfused thresholds: 1 % FPR {t1:.4f}, 0.1 % FPR {t01:.4f}")
    print("\nlegitimate messages scored highest (fused, model, analyzers):")
    for r, m, a, f in sorted((i for i in items if not i[0].positive), key=lambda i: -i[3])[: args.top]:
        print(f"  {f:.4f} {m:.4f} {a:.4f}  {r.source:28s} {r.path}")
    print("\nattacks missed at 1 % FPR, highest first:")
    missed = sorted((i for i in items if i[0].positive and i[3] < t1), key=lambda i: -i[3])
    by_source: dict[str, int] = {}
    for r, *_ in missed:
        by_source[r.source] = by_source.get(r.source, 0) + 1
    print("  per source: " + ", ".join(f"{s} {n}" for s, n in sorted(by_source.items(), key=lambda x: -x[1])))
    for r, m, a, f in missed[: args.top]:
        print(f"  {f:.4f} {m:.4f} {a:.4f}  {r.source:28s} {r.path}")
    if args.out:
        args.out.write_text(json.dumps([
            {"path": r.path, "source": r.source, "label": r.label, "model": m, "analyzers": a, "fused": f}
            for r, m, a, f in items], indent=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
