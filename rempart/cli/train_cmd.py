"""``rempart train --labels CSV [--out DIR] [--seed N]``: train the model and write its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rempart.cli.common import stderr


def train(
    labels: Annotated[list[Path], typer.Option(
        "--labels", "-l", help="Labels CSV (split,label,path,source[,kind,config]); repeatable.")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder for the artifact and MODEL_CARD.md.")] = Path("rempart-model"),
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of folds and solver: same data and seed, same model.")] = 0,
    no_eval: Annotated[bool, typer.Option(
        "--no-eval", help="Skip cross-validation (faster; the card has no metrics).")] = False,
) -> None:
    """Train the learned model from labelled mail, cross-validate it (random and leave-one-source-out folds)
    and write `rempart-model.skops` with its model card. Rows of split guard/test/holdout are never read.

    Use the artifact with `[model] path = "DIR/rempart-model.skops"` in rempart.toml.
    """
    from rempart.model.train import train as run

    for p in labels:
        if not p.is_file():
            raise typer.BadParameter(f"labels file {p} does not exist", param_hint="--labels")
    result = run(labels, out, seed=seed, evaluate=not no_eval, log=lambda m: stderr.print(f"[dim]{m}[/dim]"))
    console = Console()
    metrics = result.meta.get("metrics", {})
    for cv in ("random", "grouped"):
        if cv in metrics:
            for scorer in ("model", "analyzers", "fused"):
                b = metrics[cv][scorer]
                console.print(f"{cv:8s} {scorer:10s} AUC {b['auc']:.4f}  detection @1% FPR "
                              f"{100 * b['tpr_at_fpr_0.01']:.1f} %  @0.1% {100 * b['tpr_at_fpr_0.001']:.1f} %")
    for name, blocks in metrics.get("grouped", {}).get("collections", {}).items():
        b = blocks["fused"]
        console.print(f"grouped  fused      {name}: AUC {b['auc']:.4f}  detection @1% FPR "
                      f"{100 * b['tpr_at_fpr_0.01']:.1f} %  @0.1% {100 * b['tpr_at_fpr_0.001']:.1f} %")
    console.print(f"wrote {result.artifact} and {result.card}")
