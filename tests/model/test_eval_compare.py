from pathlib import Path

from rempart.evaluation.runner import scan_labelled, score_without_model, summarise


def test_score_without_model_refuses_the_model_reason() -> None:
    result = {"findings": [{"code": "links.shortener", "weight": 0.5}, {"code": "links.shortener", "weight": 0.2},
                           {"code": "sender.freemail", "weight": 0.5}],
              "rule_hits": [{"id": "trusted", "weight": -0.5}], "model_score": 0.99}
    assert abs(score_without_model(result, {}) - 0.375) < 1e-9
    assert score_without_model(result, {"sender.freemail": 0.0}) == 0.25


def test_eval_reports_three_scorers_side_by_side(corpus: Path) -> None:
    scored, seconds = scan_labelled([corpus], config=None, split="dev", jobs=1)
    report = summarise(scored, seconds)
    compare = report["compare"]
    assert set(compare) == {"fused", "analyzers", "model"}
    assert compare["model"] is not None and compare["model"]["n_pos"] == 24  # the shipped model is loaded
    assert all(s.base_score is not None and s.base_score <= s.score + 1e-9 for s in scored if s.error is None)
