import pytest

from rempart.evaluation.metrics import roc_auc, roc_curve, threshold_at_fpr, tpr_at_fpr


def test_auc_perfect_and_inverted_and_ties() -> None:
    assert roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert roc_auc([0.1], [0.9]) == 0.0
    assert roc_auc([0.5, 0.5], [0.5, 0.5]) == 0.5
    assert roc_auc([], [0.1]) is None


def test_auc_matches_pairwise_definition() -> None:
    pos = [0.9, 0.4, 0.4, 0.7, 0.1]
    neg = [0.4, 0.2, 0.8, 0.0]
    pairs = [(1.0 if p > n else 0.5 if p == n else 0.0) for p in pos for n in neg]
    assert roc_auc(pos, neg) == pytest.approx(sum(pairs) / len(pairs))


def test_tpr_at_fpr_never_profits_from_ties() -> None:
    neg = [0.0] * 99 + [0.5]
    # 1 % of 100 negatives may be flagged: the 0.5 one; positives must beat the next score (0.0).
    assert threshold_at_fpr(neg, 0.01) == 0.0
    assert tpr_at_fpr([0.0, 0.3, 0.6], neg, 0.01) == pytest.approx(2 / 3)
    # at 0.1 % none of 100 negatives may be flagged: positives must beat 0.5
    assert tpr_at_fpr([0.0, 0.3, 0.6], neg, 0.001) == pytest.approx(1 / 3)


def test_roc_curve_ends_at_one() -> None:
    fprs, tprs = roc_curve([0.9, 0.1], [0.5])
    assert (fprs[0], tprs[0]) == (0.0, 0.0)
    assert (fprs[-1], tprs[-1]) == (1.0, 1.0)
