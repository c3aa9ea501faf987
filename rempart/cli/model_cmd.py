"""``rempart model check --labels CSV``: calibration error and score drift of the model on new labelled mail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from rempart.cli.common import ConfigOpt, check_config

app = typer.Typer(help="Inspect the learned model.", no_args_is_help=True)


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "—"
    return f"{100 * v:.1f} %" if pct else f"{v:.4f}"


@app.command("check")
def check(
    labels: Annotated[list[Path], typer.Option(
        "--labels", "-l", help="Labels CSV, e.g. analysts' decisions exported by the service; repeatable.")],
    config: ConfigOpt = None,
    model: Annotated[Path | None, typer.Option(
        "--model", help="Artifact to check (default: the one [model] loads).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Report the model's calibration error (ECE) and how far its score distributions moved from its training
    mail (PSI, KS, per class), and whether to retrain. Exit code 1 when retraining is advised."""
    from rempart.config import load_config
    from rempart.model.artifact import LearnedModel
    from rempart.model.drift import check as run_check
    from rempart.model.drift import score_labelled

    cfg = load_config(check_config(config))
    loaded = LearnedModel.load(model or (Path(cfg.model.path) if cfg.model.path else None), cfg.model.weight)
    for p in labels:
        if not p.is_file():
            raise typer.BadParameter(f"labels file {p} does not exist", param_hint="--labels")
    report = run_check(score_labelled(labels, loaded), loaded)
    if json_out:
        print(json.dumps(report, ensure_ascii=False))
    else:
        out = Console()
        info = report["model"]
        out.print(f"model {loaded.source} (trained {info.get('trained_at')}, commit {info.get('commit')})")
        out.print(f"{report['n']} labelled messages: {report['n_pos']} attacks, {report['n_neg']} legitimate")
        out.print(f"calibration error (ECE) {_fmt(report['ece'])}   Brier {_fmt(report['brier'])}   "
                  f"ROC AUC {_fmt(report['auc'])}")
        out.print(f"flagged (p ≥ 0.5): attacks {_fmt(report['flagged_pos'], True)}, "
                  f"legitimate {_fmt(report['flagged_neg'], True)}")
        out.print(f"score shift vs training — attacks: PSI {_fmt(report['psi_positive'])}, "
                  f"KS {_fmt(report['ks_positive'])}; legitimate: PSI {_fmt(report['psi_negative'])}, "
                  f"KS {_fmt(report['ks_negative'])}")
        if report["retrain"]:
            out.print("[bold]Retrain advised:[/bold] " + "; ".join(report["why"]))
        else:
            out.print("No retraining needed (ECE ≤ 0.10 and PSI ≤ 0.25).")
    if report["retrain"]:
        raise typer.Exit(1)
