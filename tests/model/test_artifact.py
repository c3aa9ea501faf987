from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from rempart.config import Config, ModelSettings
from rempart.engine.build import build_engine, load_model
from rempart.errors import ConfigError
from rempart.model.artifact import TRUSTED_TYPES, LearnedModel, shipped_path
from rempart.model.train import TrainResult


def test_shipped_artifact_loads_safely_and_is_small() -> None:
    path = shipped_path()
    assert path.is_file() and path.stat().st_size <= 25 * 1024 * 1024
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    model = LearnedModel.load()
    assert model.coef.shape == (model.spec.n_features,)
    assert (path.parent / "MODEL_CARD.md").is_file()


def test_default_config_loads_the_shipped_model() -> None:
    assert isinstance(load_model(Config()), LearnedModel)
    assert load_model(Config(model=ModelSettings(enabled=False))) is None


def test_artifact_with_foreign_types_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.skops"
    clf = LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])
    sio.dump({"format": "rempart-model/1", "clf": clf}, evil)
    with pytest.raises(ConfigError, match="does not trust"):
        LearnedModel.load(evil)


def test_missing_damaged_or_foreign_artifacts_fail_with_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        build_engine(Config(model=ModelSettings(path=str(tmp_path / "nope.skops"))))
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="cannot be read"):
        LearnedModel.load(junk)
    other = tmp_path / "other.skops"
    sio.dump({"format": "something-else"}, other)
    with pytest.raises(ConfigError, match="not a rempart-model"):
        LearnedModel.load(other)


def test_model_alone_driving_a_verdict_says_so(trained: TrainResult, corpus: Path) -> None:
    config = Config(model=ModelSettings(path=str(trained.artifact), weight=1.0))
    engine = build_engine(config)
    verdict = engine.scan((corpus.parent / "mail" / "phish1.eml").read_bytes())
    assert verdict.level.value != "clean"
    reason = verdict.reasons[0]
    if reason.code == "model.alone":
        assert reason.evidence["score_without_model"] < 0.5
        assert "learned model" in reason.text("en", engine.catalogue)
        assert "modèle appris" in reason.text("fr", engine.catalogue)
    else:  # the analyzers flagged it on their own: the model is then one reason among others
        assert any(r.code == "model.score" for r in verdict.reasons)
    weightless = build_engine(Config(model=ModelSettings(path=str(trained.artifact), weight=0.0)))
    quiet = weightless.scan((corpus.parent / "mail" / "phish1.eml").read_bytes())
    assert quiet.model_score is not None and all(not r.code.startswith("model.") for r in quiet.reasons)


def test_artifact_of_another_features_version_is_refused(trained: TrainResult) -> None:
    from rempart.model.features import FeatureSpec

    model = LearnedModel.load(trained.artifact)
    state = {"meta": '{"features": {"version": 1}}', "coef": model.coef, "intercept": 0.0, "platt": [1.0, 0.0],
             "reference_positive": [], "reference_negative": []}
    assert FeatureSpec().version != 1
    with pytest.raises(ConfigError, match="features version 1"):
        LearnedModel(state, 0.6, "old.skops")


def test_a_low_probability_is_never_worded_as_an_accusation(trained: TrainResult, corpus: Path) -> None:
    engine = build_engine(Config(model=ModelSettings(path=str(trained.artifact))))
    verdict = engine.scan((corpus.parent / "mail" / "ham1.eml").read_bytes())
    assert verdict.model_score is not None and verdict.model_score < 0.5
    codes = [r.code for r in verdict.reasons]
    assert "model.score" not in codes and "model.alone" not in codes
    if "model.unlikely" in codes:
        reason = next(r for r in verdict.reasons if r.code == "model.unlikely")
        assert "does not find" in reason.text("en", engine.catalogue)


def test_plain_reader_reads_what_skops_reads() -> None:
    from rempart.model.artifact import read_artifact

    path = shipped_path()
    ours = read_artifact(path)
    theirs = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(ours[key], value) and ours[key].dtype == value.dtype
        else:
            assert ours[key] == value
