"""Honest evaluation: random stratified folds and leave-one-source-out folds, side by side.

Records are deduplicated by normalised body hash first, so no message or near-duplicate is in both a
training and a test fold. For every fold the whole training procedure runs again on the training part
(including the calibration on its own inner folds); the test part is scored by that fold's model, and the
out-of-fold scores are pooled. Three scorers are measured on the same messages:

- ``model``: the calibrated model probability alone;
- ``analyzers``: the verdict's score without a model (analyzers and rules);
- ``fused``: the verdict's score with the model, through the engine's own fusion function.

Grouped folds hold out one *source* at a time (e.g. all honeypot phishing, or one French organisation):
the model never saw that source's era, language mix or conventions, which is what real mail looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import StratifiedKFold

from rempart.evaluation.metrics import roc_auc, tpr_at_fpr
from rempart.model.calibration import expected_calibration_error
from rempart.model.dataset import Record, source_family
from rempart.model.features import Featurizer
from rempart.model.learner import TrainSettings, fit

FPRS = (0.01, 0.001)


@dataclass(frozen=True, slots=True)
class OutOfFold:
    records: list[Record]
    model: list[float]
    analyzers: list[float]
    fused: list[float]


def cross_validate(
    records: Sequence[Record], featurizer: Featurizer, settings: TrainSettings, *, grouped: bool,
    model_weight: float, folds: int = 5, x: sp.csr_matrix | None = None,
    progress: Callable[[str], None] | None = None,
) -> OutOfFold:
    matrix = x if x is not None else featurizer.transform([r.extracted for r in records])
    y = np.array([int(r.positive) for r in records])
    if grouped:
        families = [source_family(r.source) for r in records]
        splits = [(np.array([i for i, f in enumerate(families) if f != fam]),
                   np.array([i for i, f in enumerate(families) if f == fam]), fam) for fam in sorted(set(families))]
    else:
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=settings.seed)
        splits = [(tr, te, f"fold {k + 1}") for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y))]
    model = np.zeros(len(records))
    for train_idx, test_idx, name in splits:
        train_records = [records[i] for i in train_idx]
        if len({r.positive for r in train_records}) < 2:
            raise ValueError(f"fold {name}: the training part has a single class")
        fitted = fit(train_records, featurizer, settings, matrix[train_idx])
        model[test_idx] = fitted.predict(matrix[test_idx])
        if progress:
            progress(name)
    scores = [float(s) for s in model]
    return OutOfFold(list(records), scores, [r.base_score for r in records],
                     [r.fused(s, model_weight) for r, s in zip(records, scores, strict=True)])


def _block(pos: Sequence[float], neg: Sequence[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"n_pos": len(pos), "n_neg": len(neg), "auc": roc_auc(list(pos), list(neg))}
    for fpr in FPRS:
        out[f"tpr_at_fpr_{fpr}"] = tpr_at_fpr(list(pos), list(neg), fpr)
    return out


WEIGHTS = (0.4, 0.5, 0.6, 0.7, 0.85, 1.0)


def weight_sweep(oof: OutOfFold, weights: Sequence[float] = WEIGHTS, suspicious: float = 0.5) -> dict[str, Any]:
    """The fused verdict for other ``[model] weight`` values, from the same out-of-fold model scores."""
    pos = [i for i, r in enumerate(oof.records) if r.positive]
    neg = [i for i, r in enumerate(oof.records) if not r.positive]
    out: dict[str, Any] = {}
    for w in weights:
        fused = [r.fused(s, w) for r, s in zip(oof.records, oof.model, strict=True)]
        block = _block([fused[i] for i in pos], [fused[i] for i in neg])
        block["flagged_neg"] = sum(1 for i in neg if fused[i] >= suspicious) / max(len(neg), 1)
        out[str(w)] = block
    return out


def _scorer_blocks(records: Sequence[Record], by_scorer: Mapping[str, Sequence[float]], idx: Sequence[int],
                   suspicious: float) -> dict[str, Any]:
    """Each scorer's figures over the messages ``idx``: overall, AI-written phishing (against AI-written
    legitimate mail and all ham of ``idx``) and the shares flagged."""
    pos_idx = [i for i in idx if records[i].positive]
    neg_idx = [i for i in idx if not records[i].positive]
    ai_pos = [i for i in pos_idx if records[i].label == "ai_phish"]
    out: dict[str, Any] = {"n_pos": len(pos_idx), "n_neg": len(neg_idx)}
    for name, scores in by_scorer.items():
        block = _block([scores[i] for i in pos_idx], [scores[i] for i in neg_idx])
        block["ai_phish"] = _block([scores[i] for i in ai_pos], [scores[i] for i in neg_idx])
        block["flagged_pos"] = sum(1 for i in pos_idx if scores[i] >= suspicious) / max(len(pos_idx), 1)
        block["flagged_neg"] = sum(1 for i in neg_idx if scores[i] >= suspicious) / max(len(neg_idx), 1)
        out[name] = block
    return out


def summarise(oof: OutOfFold, *, suspicious: float = 0.5,
              collections: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Overall, AI-written phishing (against AI-written legitimate mail and all ham) and per source; with
    ``collections`` (message path -> the labelled collection it came from, e.g. the dev corpus or the French
    bench), the same figures within each collection holding both classes, thresholds set on its own ham."""
    records = oof.records
    by_scorer = {"model": oof.model, "analyzers": oof.analyzers, "fused": oof.fused}
    report: dict[str, Any] = _scorer_blocks(records, by_scorer, range(len(records)), suspicious)
    if collections:
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            groups.setdefault(collections.get(r.path, "other"), []).append(i)
        report["collections"] = {name: _scorer_blocks(records, by_scorer, idx, suspicious)
                                 for name, idx in sorted(groups.items())
                                 if len({records[i].positive for i in idx}) == 2}
    report["model"]["ece"] = expected_calibration_error(oof.model, [int(r.positive) for r in records])
    per_source: dict[str, Any] = {}
    for source, label in sorted({(r.source, r.label) for r in records}):
        idx = [i for i, r in enumerate(records) if r.source == source and r.label == label]
        entry: dict[str, Any] = {"source": source, "label": label, "n": len(idx)}
        for name, scores in by_scorer.items():
            entry[f"{name}_flagged"] = sum(1 for i in idx if scores[i] >= suspicious) / len(idx)
        entry["model_mean"] = float(np.mean([oof.model[i] for i in idx]))
        per_source[f"{source}:{label}"] = entry
    report["per_source"] = per_source
    within: dict[str, Any] = {}
    for fam in sorted({source_family(r.source) for r in records}):
        idx = [i for i, r in enumerate(records) if source_family(r.source) == fam]
        fp = [i for i in idx if records[i].positive]
        fn = [i for i in idx if not records[i].positive]
        if fp and fn:  # a collection with both classes: ranked by scores from the same fold's model
            within[fam] = {name: _block([scores[i] for i in fp], [scores[i] for i in fn])
                           for name, scores in by_scorer.items()}
    report["within_source"] = within
    report["weights"] = weight_sweep(oof, suspicious=suspicious)
    return report
