"""``rempart hunt [--rule FILE|ID] PATH...``: search an archive with one rule, several, or the whole pack.

Matches are printed as JSON Lines on stdout (one line per message and matching rule); the progress
bar and the summary go to stderr, so the output can be piped straight into ``jq``. By default the
hunt runs on a local process pool; ``--scheduler tcp://HOST:8786`` sends it to a Dask cluster.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rempart.cli.common import ConfigOpt, JobsOpt, check_config, resolve_jobs, stderr
from rempart.config import load_config
from rempart.hunt.dask_runner import run_job
from rempart.hunt.jobs import HUNT, Job, select_rules
from rempart.message.sources import count_messages, iter_messages

SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (tcp://HOST:8786) instead of local processes."),
]


def hunt(
    paths: Annotated[list[str], typer.Argument(help="Maildirs, mbox files, directories, .eml files.")],
    rule: Annotated[list[str] | None, typer.Option("--rule", "-r", help="Rule id or rule file (repeatable); "
                                                   "default: the whole pack.")] = None,
    config: ConfigOpt = None,
    jobs: JobsOpt = 0,
    scheduler: SchedulerOpt = None,
) -> None:
    """Retro-hunt: which messages of an archive match the rules. Exit 0: no match, 1: matches, 2: errors."""
    cfg = load_config(check_config(config))
    rules = select_rules(cfg, rule or [])
    job = Job.create(HUNT, cfg, rules)
    total = count_messages(paths)
    per_rule: Counter[str] = Counter()
    scanned = matched = errors = 0
    started = time.perf_counter()
    with Progress(TextColumn("hunting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=stderr, transient=True, disable=total < 20) as progress:
        task = progress.add_task("hunt", total=total)
        for src, row in run_job(job, iter_messages(paths), workers=resolve_jobs(jobs), scheduler=scheduler):
            progress.advance(task)
            if row.get("error"):
                errors += 1
                stderr.print(f"rempart: {src.label}: {row['error']}", markup=False, highlight=False)
                continue
            scanned += 1
            matched += bool(row["matches"])
            for m in row["matches"]:
                per_rule[m["id"]] += 1
                sys.stdout.write(json.dumps({"path": src.label, "rule": m["id"], "name": m["name"],
                                             "severity": m["severity"], "from": row["from"],
                                             "subject": row["subject"]}, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - started
    rate = scanned / elapsed if elapsed > 0 else 0.0
    stderr.print(f"{scanned} messages hunted with {len(rules)} rules in {elapsed:.1f} s ({rate:.0f}/s): "
                 f"{matched} matched, {errors} errors", highlight=False)
    for rule_id, n in per_rule.most_common():
        stderr.print(f"  {n:6d}  {rule_id}", highlight=False)
    if total == 0:
        stderr.print("rempart: no message found in the given paths.")
        raise typer.Exit(2)
    raise typer.Exit(2 if errors else 1 if matched else 0)
