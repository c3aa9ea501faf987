import numpy as np

from rempart.model.calibration import (
    apply_platt,
    expected_calibration_error,
    fit_platt,
    histogram,
    ks_statistic,
    psi,
)


def test_platt_is_monotone_and_calibrated_on_logistic_data() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(0, 2, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 * m + 0.3)))).astype(int)
    a, b = fit_platt(m, y)
    assert abs(a - 0.5) < 0.1 and abs(b - 0.3) < 0.15
    p = apply_platt(np.sort(m), a, b)
    assert np.all(np.diff(p) >= 0)
    ece = expected_calibration_error(list(apply_platt(m, a, b)), list(y))
    assert ece is not None and ece < 0.05


def test_separable_data_does_not_blow_up() -> None:
    a, b = fit_platt(np.array([-3.0, -2.0, 2.0, 3.0]), np.array([0, 0, 1, 1]))
    assert np.isfinite(a) and np.isfinite(b) and a > 0


def test_large_margins_keep_a_graded_probability() -> None:
    # Margins of ±40 (a fold whose held-out sources the linear model separates with a wide gap): the undamped
    # Newton step diverged to a ≈ 1e9 and every score became exactly 0 or 1, tying all the ranks.
    rng = np.random.default_rng(0)
    m = np.concatenate([rng.normal(2, 1, 500), rng.normal(-2, 1, 500)]) * 20
    y = np.array([1] * 500 + [0] * 500)
    a, b = fit_platt(m, y)
    assert 0 < a < 1 and abs(b) < 1
    p = apply_platt(m, a, b)
    # the smoothed targets (1/502, 501/502) bound the confidence: no score saturates, ranks stay distinct
    assert float(p.max()) < 1.0 and float(p.min()) > 0.0
    assert len(np.unique(p)) > 990


def test_shift_statistics() -> None:
    ref = [0.1, 0.2, 0.15, 0.8, 0.9]
    assert psi(histogram(ref), histogram(ref)) == 0.0
    assert psi(histogram(ref), histogram([0.95] * 5)) > 0.25
    assert ks_statistic(ref, ref) == 0.0
    assert ks_statistic([0.0] * 3, [1.0] * 3) == 1.0
    assert expected_calibration_error([], []) is None
