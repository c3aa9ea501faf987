"""Fitting: a class-weighted logistic regression (seeded SGD) over the hashed features, calibrated on held-out folds.

``fit`` is deterministic: records are sorted by path, folds and the solver are seeded, so the same data
and seed give the same coefficients and the same cross-validated metrics.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold

from rempart.model.calibration import apply_platt, fit_platt
from rempart.model.dataset import Record, source_family
from rempart.model.features import Featurizer


@dataclass(frozen=True, slots=True)
class TrainSettings:
    seed: int = 0
    alpha: float = 1e-5  # L2 penalty of the logistic regression (fitted by seeded SGD)
    epochs: int = 30
    calibration_folds: int = 5
    french_weight: float = 2.0  # French legitimate mail is scarce in public corpora: each counts this much
    source_balance: float = 0.5  # 1 = messages weigh the same; 0 = each source weighs the same (per class)


@dataclass(frozen=True, slots=True)
class Fitted:
    coef: NDArray[np.float32]
    intercept: float
    platt_a: float
    platt_b: float
    reference_positive: NDArray[np.float32]  # held-out calibrated scores of the training mail, by class
    reference_negative: NDArray[np.float32]

    def margins(self, x: sp.csr_matrix) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.asarray(x @ self.coef.astype(np.float64), dtype=np.float64) + self.intercept
        return out

    def predict(self, x: sp.csr_matrix) -> NDArray[np.float64]:
        return apply_platt(self.margins(x), self.platt_a, self.platt_b)


def sample_weights(records: Sequence[Record], settings: TrainSettings) -> NDArray[np.float64]:
    """Each class weighs half. Within a class, a source's weight grows like n^balance (0 = every source
    counts the same, 1 = every message counts the same), so the largest collection cannot define what
    "phishing" or "legitimate" looks like on its own. French legitimate mail is up-weighted (the corpus
    language confound)."""
    y = np.array([r.positive for r in records])
    families = [source_family(r.source) for r in records]
    sizes: dict[tuple[str, bool], int] = {}
    for fam, pos in zip(families, y, strict=True):
        sizes[(fam, bool(pos))] = sizes.get((fam, bool(pos)), 0) + 1
    raw = np.array([sizes[(fam, bool(pos))] ** (settings.source_balance - 1.0)
                    for fam, pos in zip(families, y, strict=True)])
    french = np.array([(not r.positive) and r.extracted.language == "fr" for r in records])
    raw = np.where(french, raw * settings.french_weight, raw)
    out = np.zeros(len(records))
    for cls in (True, False):
        mask = y == cls
        if mask.any():
            out[mask] = raw[mask] * (len(records) / 2.0) / raw[mask].sum()
    return out


def _fit_linear(x: sp.csr_matrix, y: NDArray[np.int_], w: NDArray[np.float64],
                settings: TrainSettings) -> tuple[NDArray[np.float64], float]:
    clf = SGDClassifier(loss="log_loss", alpha=settings.alpha, max_iter=settings.epochs, tol=1e-4,
                        random_state=settings.seed)
    with warnings.catch_warnings():  # a capped number of epochs is deliberate (bounded, reproducible cost)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y, sample_weight=w)
    return np.asarray(clf.coef_[0], dtype=np.float64), float(clf.intercept_[0])


def fit(records: Sequence[Record], featurizer: Featurizer, settings: TrainSettings,
        x: sp.csr_matrix | None = None) -> Fitted:
    """Fit on ``records`` (already deduplicated); ``x`` may pass their precomputed feature rows."""
    matrix = x if x is not None else featurizer.transform([r.extracted for r in records])
    y = np.array([int(r.positive) for r in records])
    w = sample_weights(records, settings)
    margins = np.zeros(len(records))
    folds = StratifiedKFold(n_splits=settings.calibration_folds, shuffle=True, random_state=settings.seed)
    for train_idx, held_idx in folds.split(np.zeros(len(y)), y):
        coef, intercept = _fit_linear(matrix[train_idx], y[train_idx], w[train_idx], settings)
        margins[held_idx] = matrix[held_idx] @ coef + intercept
    a, b = fit_platt(margins, y)
    held_scores = apply_platt(margins, a, b)
    coef, intercept = _fit_linear(matrix, y, w, settings)
    return Fitted(coef.astype(np.float32), intercept, a, b,
                  held_scores[y == 1].astype(np.float32), held_scores[y == 0].astype(np.float32))
