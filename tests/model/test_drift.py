from pathlib import Path

from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.model.artifact import LearnedModel
from rempart.model.drift import Scored, check, score_labelled
from rempart.model.train import TrainResult


def test_check_on_the_training_mail_is_stable(trained: TrainResult, corpus: Path) -> None:
    model = LearnedModel.load(trained.artifact)
    scored = score_labelled([corpus], model)
    assert len(scored) == 48  # spam and guard rows are not scored
    report = check(scored, model)
    assert report["ece"] is not None and 0.0 <= report["ece"] <= 1.0
    assert report["psi_positive"] is not None and report["ks_negative"] is not None


def test_shifted_scores_advise_retraining(trained: TrainResult) -> None:
    model = LearnedModel.load(trained.artifact)
    shifted = [Scored("phish", True, 0.05)] * 20 + [Scored("ham", False, 0.95)] * 20
    report = check(shifted, model)
    assert report["retrain"] and report["ece"] > 0.5 and report["why"]


def test_cli_train_and_check(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", "--labels", str(corpus), "--out", str(out), "--seed", "1", "--no-eval"])
    assert result.exit_code == 0, result.output
    assert (out / "rempart-model.skops").is_file() and (out / "MODEL_CARD.md").is_file()
    result = runner.invoke(app, ["model", "check", "--labels", str(corpus), "--model", str(out / "rempart-model.skops"),
                                 "--json"])
    assert result.exit_code in (0, 1), result.output
    assert '"ece"' in result.output and '"psi_positive"' in result.output


def test_analyst_export_format_is_read(trained: TrainResult, corpus: Path, tmp_path: Path) -> None:
    """`rempart db export-labels` / GET /export/labels.csv: split feedback, purged cases as case:<id>."""
    mail = corpus.parent / "mail"
    export = tmp_path / "labels.csv"
    export.write_text("split,label,path,source\n"
                      f"feedback,phish,{mail / 'phish2.eml'},rempart:malicious\n"
                      f"feedback,ham,{mail / 'ham2.eml'},rempart:clean\n"
                      "feedback,ham,case:7,rempart:clean\n"
                      f"feedback,spam,{mail / 'spam0.eml'},rempart:spam\n", encoding="utf-8")
    model = LearnedModel.load(trained.artifact)
    scored = score_labelled([export], model)
    assert [s.label for s in scored] == ["ham", "phish"]  # sorted by path; purged and spam rows skipped
    assert check(scored, model)["n"] == 2
