"""Detection metrics that do not flatter: detection at a fixed false-positive rate, and ROC AUC."""

from __future__ import annotations

import math
from collections.abc import Sequence


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Mann-Whitney statistic (ties count one half); None when a class is empty."""
    if not positives or not negatives:
        return None
    scored = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2.0  # average rank of the tie group (1-based)
        rank_sum += mid_rank * sum(1 for k in range(i, j) if scored[k][1] == 1)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def threshold_at_fpr(negatives: Sequence[float], fpr: float) -> float:
    """Smallest threshold t such that flagging scores strictly above t keeps the FPR ≤ ``fpr``.

    Ties at t are not flagged, so the figure never benefits from ties among negatives.
    """
    if not negatives:
        return 0.0
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(fpr * len(ordered) + 1e-9)
    return ordered[allowed] if allowed < len(ordered) else -math.inf


def tpr_at_fpr(positives: Sequence[float], negatives: Sequence[float], fpr: float) -> float | None:
    if not positives or not negatives:
        return None
    t = threshold_at_fpr(negatives, fpr)
    return sum(1 for s in positives if s > t) / len(positives)


def rate(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def roc_curve(positives: Sequence[float], negatives: Sequence[float]) -> tuple[list[float], list[float]]:
    """(false-positive rates, true-positive rates) at every distinct threshold, from (0,0) to (1,1)."""
    thresholds = sorted(set(positives) | set(negatives), reverse=True)
    fprs, tprs = [0.0], [0.0]
    for t in thresholds:
        tprs.append(sum(1 for s in positives if s >= t) / max(len(positives), 1))
        fprs.append(sum(1 for s in negatives if s >= t) / max(len(negatives), 1))
    return fprs, tprs
