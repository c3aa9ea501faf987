"""``rempart scan PATH...``: verdicts for messages, as a table or JSON Lines; exit status like clamscan."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rempart.cli.common import (
    ConfigOpt,
    JobsOpt,
    LangOpt,
    check_config,
    check_lang,
    resolve_jobs,
    stderr,
    wide_console,
)
from rempart.hunt.cluster_scan import scan_on_cluster
from rempart.hunt.local import ScanResult, scan_sources
from rempart.message.sources import iter_messages

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
_STYLE = {"clean": "green", "suspicious": "yellow", "malicious": "bold red", "error": "magenta"}
_PROGRESS_MIN = 20  # below this many messages a progress bar is noise


def _json_line(r: ScanResult) -> str:
    if r.result is None:
        return json.dumps({"path": r.label, "verdict": "error", "error": r.error}, ensure_ascii=False)
    return json.dumps({"path": r.label, **r.result, "elapsed_ms": round(r.elapsed_ms, 3)}, ensure_ascii=False)


def _table(results: list[ScanResult], lang: str) -> Table:
    table = Table(title="Rempart — verdicts", show_lines=True)
    table.add_column("message", overflow="fold", max_width=48)
    table.add_column("verdict")
    table.add_column("score", justify="right")
    table.add_column("reasons" if lang == "en" else "raisons", overflow="fold")
    for r in results:
        if r.result is None:
            table.add_row(r.label, f"[{_STYLE['error']}]error[/]", "", r.error or "")
            continue
        level = r.result["verdict"]
        reasons = "\n".join(f"• {x['text']}" for x in r.result["reasons"][:3])
        table.add_row(r.label, f"[{_STYLE[level]}]{level}[/]", f"{r.result['score']:.2f}", reasons)
    return table


def scan(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, mbox, maildirs; '-' reads stdin.")],
    config: ConfigOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON Lines, one object per message.")] = False,
    lang: LangOpt = "en",
    jobs: JobsOpt = 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Scan on a Dask cluster: its scheduler address, tcp://HOST:8786.")] = None,
) -> None:
    """Scan messages and explain each verdict. Exit 0: nothing found, 1: suspicious or malicious, 2: error."""
    check_lang(lang)
    config_path = check_config(config)
    sources = list(iter_messages(paths))
    out = wide_console()
    found = errors = 0
    collected: list[ScanResult] = []
    show_progress = len(sources) >= _PROGRESS_MIN
    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=stderr, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("scan", total=len(sources))
        results = (scan_on_cluster(sources, config_path, lang, scheduler) if scheduler else
                   scan_sources(sources, config_path=config_path, lang=lang, jobs=resolve_jobs(jobs),
                                long_lived=True))
        for r in results:
            progress.advance(task)
            if r.result is None:
                errors += 1
            elif r.result["verdict"] != "clean":
                found += 1
            if json_out:
                sys.stdout.write(_json_line(r) + "\n")
            else:
                collected.append(r)
    if not json_out:
        out.print(_table(collected, lang))
        scanned = len(collected) - errors
        out.print(f"{scanned} scanned, {found} flagged, {errors} errors" if lang == "en"
                  else f"{scanned} analysés, {found} signalés, {errors} erreurs")
    if not sources:
        stderr.print("rempart: no message found in the given paths.")
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_ERROR if errors else EXIT_FOUND if found else EXIT_CLEAN)
