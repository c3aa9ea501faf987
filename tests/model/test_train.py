from pathlib import Path

import numpy as np

from rempart.model.artifact import LearnedModel
from rempart.model.train import TrainResult, train
from tests.model.conftest import FAST


def test_training_writes_artifact_and_card(trained: TrainResult) -> None:
    assert trained.artifact.is_file() and trained.artifact.stat().st_size < 25 * 1024 * 1024
    card = trained.card.read_text(encoding="utf-8")
    for expected in ("sha256", "random", "grouped", "model alone", "analyzers + rules alone", "fused verdict",
                     "Known limits", "seed 3"):
        assert expected in card
    meta = trained.meta
    assert meta["unreadable"] == 0  # the guard row points at a missing file: it was never read
    assert meta["spam_rows"] == 1 and meta["n_train"] == 48
    assert set(meta["metrics"]) >= {"random", "grouped", "spam_flagged_by_model"}
    assert meta["metrics"]["random"]["model"]["auc"] > 0.9


def test_same_data_and_seed_give_the_same_model(corpus: Path, trained: TrainResult, tmp_path: Path) -> None:
    again = train([corpus], tmp_path, settings=FAST)
    assert again.meta["metrics"] == trained.meta["metrics"]
    a, b = LearnedModel.load(trained.artifact), LearnedModel.load(again.artifact)
    assert np.array_equal(a.coef, b.coef) and a.platt_a == b.platt_a


def test_loaded_model_separates_the_classes(trained: TrainResult, corpus: Path) -> None:
    from rempart.config import Config, ModelSettings
    from rempart.engine.build import build_engine

    config = Config(model=ModelSettings(path=str(trained.artifact)))
    engine = build_engine(config)
    phish = engine.scan((corpus.parent / "mail" / "phish1.eml").read_bytes())
    ham = engine.scan((corpus.parent / "mail" / "ham1.eml").read_bytes())
    assert phish.model_score is not None and ham.model_score is not None
    assert phish.model_score > 0.5 > ham.model_score
    assert "model" in phish.timings
