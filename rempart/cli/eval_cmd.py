"""``rempart eval --labels FILE.csv``: detection at fixed false-positive rates, ROC AUC, per source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from rempart.cli.common import ConfigOpt, JobsOpt, check_config, resolve_jobs, stderr, wide_console
from rempart.evaluation.labels import read_labels
from rempart.evaluation.runner import Scored, scan_labelled, summarise


def _pct(v: Any) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:.4f}"


def _print_report(report: dict[str, Any], console: Console) -> None:
    table = Table(title="Detection", show_lines=False)
    for col in ("set", "pos", "neg", "TPR@FPR 0.1%", "TPR@FPR 1%", "TPR", "FPR", "AUC", "malicious neg"):
        table.add_column(col, justify="right" if col != "set" else "left")

    def row(name: str, b: dict[str, Any]) -> None:
        table.add_row(name, str(b["n_pos"]), str(b["n_neg"]), _pct(b["tpr_at_fpr_0.001"]),
                      _pct(b["tpr_at_fpr_0.01"]), _pct(b["tpr"]), _pct(b["fpr"]), _num(b["auc"]),
                      str(b["malicious_negatives"]))

    row("all", report)
    for source, b in report["per_source"].items():
        if "n_pos" in b:
            row(source, b)
    console.print(table)
    for source, b in report["per_source"].items():
        if "n_pos" not in b:
            share = _pct(b["flagged"])
            console.print(f"{source}: {b['n']} messages (neither phish nor ham), {share} flagged")
    if report.get("per_kind"):
        kinds = Table(title="Per kind (flagged share at shipped thresholds)")
        for col in ("kind", "n", "flagged", "examples (missed / false positives)"):
            kinds.add_column(col)
        for k, v in report["per_kind"].items():
            examples = v.get("missed") or v.get("flagged_paths") or []
            kinds.add_row(k, str(v["n"]), _pct(v["flagged"]), ", ".join(examples[:4]))
        console.print(kinds)
    if report.get("compare"):
        side = Table(title="Side by side: fused verdict, analyzers and rules alone, model alone")
        for col in ("scorer", "pos", "neg", "TPR@FPR 0.1%", "TPR@FPR 1%", "AUC", "ai_phish TPR@FPR 1%", "TPR", "FPR"):
            side.add_column(col, justify="right" if col != "scorer" else "left")
        names = {"fused": "fused verdict", "analyzers": "analyzers + rules", "model": "model alone (p ≥ 0.5)"}
        for key, name in names.items():
            b = report["compare"].get(key)
            if b is None:
                side.add_row(name, "—", "—", "—", "—", "—", "—", "—", "—")
                continue
            side.add_row(name, str(b["n_pos"]), str(b["n_neg"]), _pct(b["tpr_at_fpr_0.001"]),
                         _pct(b["tpr_at_fpr_0.01"]), _num(b["auc"]), _pct(b["ai_phish_tpr_at_fpr_0.01"]),
                         _pct(b["tpr"]), _pct(b["fpr"]))
        console.print(side)
    mps = report["msgs_per_s"]
    console.print(f"{report['n']} messages, {report['errors']} errors, "
                  f"{'—' if mps is None else f'{mps:.0f}'} messages/s")


def _plot(scored: list[Scored], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rempart.evaluation.metrics import roc_curve

    pos = [s.score for s in scored if s.item.is_positive and s.error is None]
    neg = [s.score for s in scored if s.item.is_negative and s.error is None]
    fprs, tprs = roc_curve(pos, neg)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fprs, tprs, label="Rempart")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set_xscale("symlog", linthresh=0.001)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("detection rate")
    ax.set_title("ROC")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def evaluate(
    labels: Annotated[list[Path], typer.Option(
        "--labels", "-l", help="Labels CSV (split,label,path,source[,kind,config]); repeatable.")],
    config: ConfigOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    split: Annotated[str | None, typer.Option(
        "--split", help="Only rows of this split (e.g. dev, train, guard).")] = None,
    jobs: JobsOpt = 1,
    plot: Annotated[Path | None, typer.Option("--plot", help="Draw the ROC curve to this PNG file.")] = None,
) -> None:
    """Scan labelled mail and report detection at 0.1 % and 1 % false positives, ROC AUC, per source.

    Each labels file is scanned with --config if given, else its rows' `config` column, else the
    rempart.toml beside it, else the embedded defaults — so several organisations evaluate at once.
    """
    config_path = check_config(config)
    total = sum(len(read_labels(p, split)) for p in labels)
    with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), console=stderr, transient=True,
                  disable=json_out) as progress:
        task = progress.add_task("eval", total=total)
        scored, seconds = scan_labelled(labels, config=config_path, split=split, jobs=resolve_jobs(jobs),
                                        progress=lambda n: progress.advance(task, n))
    report = summarise(scored, seconds)
    if plot is not None:
        _plot(scored, plot)
    if json_out:
        print(json.dumps(report, ensure_ascii=False, indent=None))
    else:
        _print_report(report, wide_console())
