"""``rempart model check``: is the model still calibrated and scoring like it did on its training mail?

Scans labelled mail (the dev corpus format, or analysts' decisions exported by the service) with the
configured engine and compares the model's probabilities with the labels and with the held-out scores
of its own training mail, stored in the artifact:

- ECE (expected calibration error): how far "probability 0.8" is from "8 in 10 are attacks";
- PSI and KS per class: how far the score distribution of today's attacks (and of today's legitimate
  mail) has moved from the training one. PSI above 0.25 or ECE above 0.10 means: retrain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rempart.config import load_config
from rempart.evaluation.metrics import roc_auc, tpr_at_fpr
from rempart.model.artifact import LearnedModel
from rempart.model.calibration import expected_calibration_error, histogram, ks_statistic, psi
from rempart.model.dataset import load_rows

ECE_LIMIT = 0.10
PSI_LIMIT = 0.25


@dataclass(frozen=True, slots=True)
class Scored:
    label: str
    positive: bool
    score: float


def score_labelled(label_files: Sequence[Path], model: LearnedModel | None,
                   progress: Callable[[int], None] | None = None) -> list[Scored]:
    """Model probability of every phish/ham row (spam and unreadable files skipped), each message scanned
    with its own organisation's config; ``model`` None = the model each config loads."""
    from rempart.engine.build import build_engine
    from rempart.evaluation.labels import NEGATIVE, POSITIVE
    from rempart.message.parse import parse_message
    from rempart.model.dataset import without_model

    engines: dict[str | None, Any] = {}
    out: list[Scored] = []
    for item, cfg in load_rows(label_files):
        if item.label not in POSITIVE | NEGATIVE:
            continue
        if cfg not in engines:
            config = load_config(cfg)
            engine = build_engine(without_model(config))
            engine.model = model if model is not None else _configured(config)
            engines[cfg] = engine
        engine = engines[cfg]
        try:
            raw = item.path.read_bytes()
        except OSError:
            continue
        verdict = engine.scan_message(parse_message(raw, engine.config.limits))
        if verdict.model_score is not None:
            out.append(Scored(item.label, item.label in POSITIVE, float(verdict.model_score)))
        if progress:
            progress(1)
    return out


def _configured(config: Any) -> LearnedModel:
    settings = config.model
    return LearnedModel.load(Path(settings.path) if settings.path else None, settings.weight)


def check(scored: Sequence[Scored], model: LearnedModel) -> dict[str, Any]:
    pos = [s.score for s in scored if s.positive]
    neg = [s.score for s in scored if not s.positive]
    report: dict[str, Any] = {
        "n": len(scored), "n_pos": len(pos), "n_neg": len(neg),
        "ece": expected_calibration_error([s.score for s in scored], [int(s.positive) for s in scored]),
        "brier": (sum((s.score - int(s.positive)) ** 2 for s in scored) / len(scored)) if scored else None,
        "auc": roc_auc(pos, neg),
        "tpr_at_fpr_0.01": tpr_at_fpr(pos, neg, 0.01),
        "flagged_pos": (sum(1 for s in pos if s >= 0.5) / len(pos)) if pos else None,
        "flagged_neg": (sum(1 for s in neg if s >= 0.5) / len(neg)) if neg else None,
    }
    for name, current, reference in (("positive", pos, model.reference_positive),
                                      ("negative", neg, model.reference_negative)):
        report[f"psi_{name}"] = psi(histogram(reference), histogram(current)) if current and reference else None
        report[f"ks_{name}"] = ks_statistic(reference, current)
        report[f"histogram_{name}"] = histogram(current) if current else None
        report[f"reference_histogram_{name}"] = histogram(reference)
    reasons = []
    if report["ece"] is not None and report["ece"] > ECE_LIMIT:
        reasons.append(f"calibration error {report['ece']:.3f} > {ECE_LIMIT}")
    for name in ("positive", "negative"):
        value = report[f"psi_{name}"]
        if value is not None and value > PSI_LIMIT:
            reasons.append(f"{name} score shift PSI {value:.3f} > {PSI_LIMIT}")
    report["retrain"] = bool(reasons)
    report["why"] = reasons
    report["model"] = {k: model.meta.get(k) for k in ("trained_at", "commit", "seed", "counts")}
    return report
