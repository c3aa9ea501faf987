"""The learner keeps every signal on its side: an attack signal never becomes a sign of legitimate mail."""

import numpy as np

from rempart.model.dataset import Record, source_family
from rempart.model.features import Extracted, Featurizer, direction, hashed_columns
from rempart.model.learner import TrainSettings, calibration_splits, family_counts, fit


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



def test_a_text_column_only_one_source_family_uses_is_not_learnt() -> None:
    # "kernel" is written only by the list's legitimate mail and "wire" only by one study's attacks: each is its
    # collection's style. "invoice" appears in attacks of two collections and legitimate mail of a third.
    records = []
    for i in range(20):
        records.append(Record(f"a{i:03d}", "phish", "pot", Extracted({}, "wire invoice now", "en"), (), (), 0.0))
        records.append(Record(f"b{i:03d}", "phish", "study", Extracted({}, "invoice overdue", "en"), (), (), 0.0))
        records.append(Record(f"c{i:03d}", "ham", "list", Extracted({}, "kernel invoice patch", "en"), (), (), 0.0))
        records.append(Record(f"d{i:03d}", "ham", "corpus-fr/x", Extracted({}, "meeting patch", "en"), (), (), 0.0))
    fz = Featurizer()
    x = fz.transform([r.extracted for r in records])
    words = ["wire", "kernel", "invoice", "patch"]
    columns = fz.spec.signal_dims + hashed_columns(words, fz.spec.word_dims)
    counts = dict(zip(words, family_counts(x, [source_family(r.source) for r in records])[columns].tolist(),
                      strict=True))
    assert counts == {"wire": 1, "kernel": 1, "invoice": 3, "patch": 2}
    settings = TrainSettings(calibration_folds=3, max_iter=100, min_families=2)
    coef = dict(zip(words, fit(records, fz, settings).coef[columns].tolist(), strict=True))
    assert coef["wire"] == 0.0 and coef["kernel"] == 0.0  # one family each: not learnt
    assert coef["patch"] < 0.0  # two families of legitimate mail: learnt
    loose = dict(zip(words, fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100, min_families=1))
                     .coef[columns].tolist(),
                     strict=True))
    assert loose["wire"] > 0.0 and loose["kernel"] < 0.0  # without the rule each collection's word is learnt


def test_signal_penalty_shrinks_only_the_signals() -> None:
    records = [_record(i, "phish" if i % 2 else "ham", {"code=links.shortener": 0.3 * (i % 2)},
                       "verify your password now" if i % 2 else "lunch on thursday with the team") for i in range(40)]
    fz = Featurizer()
    column = int(hashed_columns(["code=links.shortener"], fz.spec.signal_dims)[0])
    loose = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100))
    tight = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100, signal_penalty=100.0))
    assert 0.0 <= tight.coef[column] < loose.coef[column]


def test_one_collection_alone_still_learns_its_text() -> None:
    # An organisation retraining on its own exported decisions alone (one collection): with fewer families
    # than min_families, a word every family uses is learnt, so the text is not silently dropped.
    records = [Record(f"m{i:03d}", "phish" if i % 2 else "ham", "rempart:malicious" if i % 2 else "rempart:legitimate",
                      Extracted({}, "verify your password now" if i % 2 else "lunch on thursday with the team", "en"),
                      (), (), 0.0) for i in range(40)]
    assert {source_family(r.source) for r in records} == {"rempart"}
    fz = Featurizer()
    column = fz.spec.signal_dims + int(hashed_columns(["password"], fz.spec.word_dims)[0])
    fitted = fit(records, fz, TrainSettings(calibration_folds=3, max_iter=100, min_families=3))
    assert fitted.coef[column] > 0.0


def _sourced(i: int, source: str, positive: bool) -> Record:
    return Record(f"{source}-{i:03d}", "phish" if positive else "ham", source,
                  Extracted({}, "verify your password" if positive else "minutes attached", "en"), (), (), 0.0)


def test_calibration_margins_come_from_source_families_the_fold_never_saw() -> None:
    # Four collections, one of them (a study) with both classes: every calibration fold holds out whole families.
    records = [_sourced(i, source, positive) for i in range(10)
               for source, positive in (("pot", True), ("study", True), ("study_legit", False), ("list", False),
                                        ("corpus-fr/x", False))]
    y = np.array([int(r.positive) for r in records])
    splits = calibration_splits(records, y, TrainSettings(calibration_folds=3))
    held = np.concatenate([h for _, h in splits])
    assert sorted(held.tolist()) == list(range(len(records)))  # every message is scored once
    for train_idx, held_idx in splits:
        seen = {source_family(records[i].source) for i in train_idx}
        assert not seen & {source_family(records[i].source) for i in held_idx}
        assert set(y[train_idx].tolist()) == {0, 1}
    # Off, or with fewer than three families: random stratified folds, which mix the families.
    for settings, subset in ((TrainSettings(calibration_folds=3, grouped_calibration=False), records),
                             (TrainSettings(calibration_folds=3), [r for r in records if r.source in ("pot", "list")])):
        sub_y = np.array([int(r.positive) for r in subset])
        mixed = calibration_splits(subset, sub_y, settings)
        assert any({source_family(subset[i].source) for i in tr} & {source_family(subset[i].source) for i in h}
                   for tr, h in mixed)
