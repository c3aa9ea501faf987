"""Training: labelled mail → cross-validated metrics, the artifact and its model card.

    rempart train --labels ../shared/corpus/labels.csv --labels bench/corpus-fr/ORG/labels.csv --out DIR
    python -m rempart.model.train --labels … --out DIR [--seed N]

Rows whose split is ``guard``, ``test`` or ``holdout`` are never read: they exist to measure a model,
not to make one. ``spam`` rows are not trained on (neither phishing nor legitimate); the card reports
how much of it the final model flags. Nothing is downloaded; the same data and seed give the same model
and the same metrics.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rempart.config import ModelSettings
from rempart.evaluation.labels import read_labels
from rempart.model.artifact import ARTIFACT_NAME, LearnedModel, save
from rempart.model.card import write_card
from rempart.model.dataset import Record, build_records, data_digests, dedupe, load_rows, source_family
from rempart.model.evaluate import cross_validate, summarise
from rempart.model.features import EXCLUDED_CODES, EXCLUDED_PREFIXES, FeatureSpec, Featurizer
from rempart.model.learner import TrainSettings, fit

HELD_OUT_SPLITS = frozenset({"guard", "test", "holdout"})
CARD_NAME = "MODEL_CARD.md"


@dataclass(frozen=True, slots=True)
class TrainResult:
    artifact: Path
    card: Path
    meta: dict[str, Any]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "rempart"],
                               capture_output=True, text=True, timeout=5,
                               cwd=Path(__file__).resolve().parents[2], check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = out.stdout.strip() or "unknown"
    return commit + (" (+ uncommitted changes in rempart/)" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str]:
    import scipy
    import sklearn
    import skops

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "skops": skops.__version__}


def _counts(records: Sequence[Record]) -> dict[str, int]:
    return dict(sorted(Counter(f"{r.source}:{r.label}" for r in records).items()))


def collections_of(label_files: Sequence[Path]) -> dict[str, str]:
    """Message path -> the collection its labels file belongs to: the folder holding that file, or the folder
    above when several labels files sit in sibling folders (each French bench organisation, each probe round:
    one collection each), as the model card reports them."""
    parents = Counter(p.resolve().parent.parent for p in label_files)
    out: dict[str, str] = {}
    for csv_path in label_files:
        folder = csv_path.parent.parent if parents[csv_path.resolve().parent.parent] > 1 else csv_path.parent
        for item in read_labels(csv_path):
            out[str(item.path)] = folder.as_posix()
    return out


def train(
    label_files: Sequence[Path], out_dir: Path, *, seed: int = 0, settings: TrainSettings | None = None,
    spec: FeatureSpec | None = None, model_weight: float | None = None, evaluate: bool = True,
    log: Callable[[str], None] = lambda _m: None,
) -> TrainResult:
    settings = settings or TrainSettings(seed=seed)
    weight = ModelSettings().weight if model_weight is None else model_weight
    featurizer = Featurizer(spec)
    rows = [(item, cfg) for item, cfg in load_rows(label_files) if item.split not in HELD_OUT_SPLITS]
    log(f"scanning {len(rows)} labelled messages (held-out splits skipped)")
    records = build_records(rows, featurizer)
    errors = [r for r in records if r.error]
    spam = [r for r in records if not r.error and r.label == "spam"]
    usable, dropped = dedupe([r for r in records if r.usable])
    if len({r.positive for r in usable}) < 2:
        raise ValueError("training needs both phishing (phish, ai_phish) and legitimate (ham, ai_ham) rows")
    x = featurizer.transform([r.extracted for r in usable])
    metrics: dict[str, Any] = {}
    if evaluate:
        groups = collections_of(label_files)
        log("cross-validation: random stratified folds")
        metrics["random"] = summarise(cross_validate(usable, featurizer, settings, grouped=False,
                                                     model_weight=weight, x=x), collections=groups)
        families = {source_family(r.source) for r in usable}
        if len(families) >= 3:
            log(f"cross-validation: leave one source out ({len(families)} sources)")
            try:
                metrics["grouped"] = summarise(cross_validate(usable, featurizer, settings, grouped=True,
                                                              model_weight=weight, x=x, progress=log),
                                               collections=groups)
            except ValueError as err:  # a source holding all of one class: grouped CV is not defined
                metrics["grouped_error"] = str(err)
    log("fitting the final model on all training mail")
    fitted = fit(usable, featurizer, settings, x)
    final = LearnedModel.from_fitted(fitted, featurizer.spec, weight)
    if spam:
        spam_scores = [final.score_extracted(r.extracted) for r in spam]
        metrics["spam_flagged_by_model"] = sum(1 for s in spam_scores if s >= 0.5) / len(spam_scores)
        metrics["spam_flagged_fused"] = sum(1 for r, s in zip(spam, spam_scores, strict=True)
                                            if r.fused(s, weight) >= 0.5) / len(spam)
    meta: dict[str, Any] = {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(),
        "seed": settings.seed,
        "settings": asdict(settings),
        "model_weight": weight,
        "versions": _versions(),
        "data": [{"file": str(p), "sha256": _sha256(p)} for p in label_files],
        "counts": _counts(usable),
        "data_digests": data_digests([r for r in records if not r.error]),
        "n_train": len(usable),
        "duplicates_dropped": dropped,
        "unreadable": len(errors),
        "spam_rows": len(spam),
        "excluded_codes": sorted(EXCLUDED_CODES),
        "excluded_prefixes": list(EXCLUDED_PREFIXES),
        "languages": dict(sorted(Counter(r.extracted.language or "?" for r in usable).items())),
        "platt": [fitted.platt_a, fitted.platt_b],
        "metrics": metrics,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / ARTIFACT_NAME
    save(artifact, fitted, featurizer.spec, meta)
    card = out_dir / CARD_NAME
    write_card(card, meta, artifact)
    return TrainResult(artifact, card, meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train Rempart's model from labelled mail.")
    parser.add_argument("--labels", action="append", required=True, type=Path, help="labels CSV (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("rempart-model"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-eval", action="store_true", help="skip cross-validation (faster)")
    args = parser.parse_args(argv)
    result = train(args.labels, args.out, seed=args.seed, evaluate=not args.no_eval,
                   log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"wrote {result.artifact} and {result.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
