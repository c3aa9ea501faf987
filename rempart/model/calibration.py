"""Calibration (Platt scaling), calibration error and distribution-shift statistics.

Platt scaling maps a linear model's margin to a probability with two parameters fitted on margins the
model did not train on (held-out folds). It keeps the ranking intact — no ties, unlike isotonic steps —
which matters when thresholds are set at 0.1 % false positives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

SCORE_BINS = 10  # fixed [0, 0.1), …, [0.9, 1] bins for ECE and PSI


def _platt_loss(m: NDArray[np.float64], target: NDArray[np.float64], a: float, b: float) -> float:
    z = a * m + b
    # Σ t·log(1 + e^-z) + (1 − t)·log(1 + e^z), written so that no exponential overflows
    return float(np.sum(target * np.logaddexp(0.0, -z) + (1.0 - target) * np.logaddexp(0.0, z)))


def fit_platt(margins: NDArray[np.float64], labels: NDArray[np.int_]) -> tuple[float, float]:
    """(a, b) such that p = 1 / (1 + exp(-(a·m + b))), by Newton's method with a backtracking line search on the
    log-loss with Platt's smoothed targets (Lin, Lin and Weng, 2007). The smoothed targets keep the optimum
    finite when the classes separate; the line search keeps Newton from overshooting when the margins are
    large (an undamped step from a = 1 on margins of ±40 diverged to a ≈ 1e9, every score 0 or 1)."""
    m = np.asarray(margins, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    n_pos, n_neg = float(y.sum()), float(len(y) - y.sum())
    target = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    a, b = 0.0, math.log((n_pos + 1.0) / (n_neg + 1.0))  # the prior odds: a flat start the search leaves safely
    loss = _platt_loss(m, target, a, b)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * m + b, -35.0, 35.0)))
        g = p - target
        grad = np.array([float(np.dot(g, m)), float(g.sum())])
        if float(np.abs(grad).max()) < 1e-9:
            break
        w = np.maximum(p * (1.0 - p), 1e-12)
        hess = np.array([[float(np.dot(w, m * m)) + 1e-9, float(np.dot(w, m))],
                         [float(np.dot(w, m)), float(w.sum()) + 1e-9]])
        step = np.linalg.solve(hess, grad)
        decrease = float(np.dot(grad, step))
        t = 1.0
        while t > 1e-10:
            na, nb = a - t * float(step[0]), b - t * float(step[1])
            new_loss = _platt_loss(m, target, na, nb)
            if new_loss <= loss - 1e-4 * t * decrease:
                break
            t /= 2.0
        else:
            break  # no step lowers the loss: at the optimum, to the precision of floats
        a, b, loss = na, nb, new_loss
        if float(np.abs(t * step).max()) < 1e-10:
            break
    return a, b


def apply_platt(margins: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    z = np.clip(a * np.asarray(margins, dtype=np.float64) + b, -35.0, 35.0)
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
    return out


def platt_one(margin: float, a: float, b: float) -> float:
    z = min(max(a * margin + b, -35.0), 35.0)
    return 1.0 / (1.0 + math.exp(-z))


def _bin(p: float) -> int:
    return min(int(p * SCORE_BINS), SCORE_BINS - 1)


def expected_calibration_error(probabilities: Sequence[float], labels: Sequence[int]) -> float | None:
    """ECE over ten equal-width bins: Σ (bin share) × |mean predicted − observed positive rate|."""
    if not probabilities:
        return None
    sums = [0.0] * SCORE_BINS
    hits = [0] * SCORE_BINS
    counts = [0] * SCORE_BINS
    for p, y in zip(probabilities, labels, strict=True):
        k = _bin(p)
        sums[k] += p
        hits[k] += int(y)
        counts[k] += 1
    n = len(probabilities)
    return sum(c / n * abs(s / c - h / c) for s, h, c in zip(sums, hits, counts, strict=True) if c)


def histogram(scores: Sequence[float]) -> list[float]:
    """Share of scores in each of the ten fixed bins."""
    counts = [0] * SCORE_BINS
    for s in scores:
        counts[_bin(s)] += 1
    n = max(len(scores), 1)
    return [c / n for c in counts]


def psi(reference: Sequence[float], current: Sequence[float]) -> float:
    """Population stability index between two bin-share vectors (0.1–0.25: moderate shift, >0.25: large)."""
    eps = 1e-4
    total = 0.0
    for r, c in zip(reference, current, strict=True):
        r, c = max(r, eps), max(c, eps)
        total += (c - r) * math.log(c / r)
    return total


def ks_statistic(reference: Sequence[float], current: Sequence[float]) -> float | None:
    """Two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs."""
    if not reference or not current:
        return None
    a = np.sort(np.asarray(reference, dtype=np.float64))
    b = np.sort(np.asarray(current, dtype=np.float64))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())
