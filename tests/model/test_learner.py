"""The learner keeps every signal on its side: an attack signal never becomes a sign of legitimate mail."""

import numpy as np

from rempart.model.dataset import Record
from rempart.model.features import Extracted, Featurizer, direction, hashed_columns
from rempart.model.learner import TrainSettings, fit


def _record(i: int, label: str, signals: dict[str, float], text: str) -> Record:
    return Record(f"m{i:03d}", label, "synthetic", Extracted(signals, text, "en"), (), (), 0.0)


def test_signals_keep_their_direction_even_when_the_data_says_otherwise() -> None:
    # In this data a shortened link only ever appears in legitimate mail and the organisation's own domain
    # only in attacks: an unconstrained model would learn both backwards.
    records = []
    for i in range(30):
        records.append(_record(i, "phish", {"from.is_org": 1.0, "code=intent.payment_request": 0.5},
                               "please pay the invoice today"))
        records.append(_record(100 + i, "ham", {"code=links.shortener": 0.3}, "minutes of the meeting attached"))
    fz = Featurizer()
    fitted = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100))
    names = ["code=links.shortener", "from.is_org", "code=intent.payment_request"]
    coef = {n: float(fitted.coef[c]) for n, c in zip(names, hashed_columns(names, fz.spec.signal_dims), strict=True)}
    assert direction("code=links.shortener") == 1 and coef["code=links.shortener"] >= 0.0
    assert direction("from.is_org") == -1 and coef["from.is_org"] <= 0.0
    assert coef["code=intent.payment_request"] > 0.0
    scores = fitted.predict(fz.transform([r.extracted for r in records]))
    assert np.mean(scores[::2]) > np.mean(scores[1::2])  # the text still separates the classes


def test_fit_is_deterministic() -> None:
    records = [_record(i, "phish" if i % 2 else "ham", {"code=links.shortener": 0.3 * (i % 2)},
                       "verify your password now" if i % 2 else "lunch on thursday with the team") for i in range(40)]
    fz = Featurizer()
    a = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100))
    b = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100))
    assert np.array_equal(a.coef, b.coef) and a.platt_a == b.platt_a
