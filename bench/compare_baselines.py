"""Rempart, SpamAssassin and Rspamd side by side, in the same run, on the same labelled messages.

    .venv/bin/python bench/compare_baselines.py --labels ../shared/corpus/labels.csv --split dev \
        [--labels more.csv ...] [--out bench/results/baselines-dev.md] [--rempart-rev HEAD]

Run as root, after ``bash ../shared/baseline/setup.sh`` (the baseline harness starts and stops the
daemons itself; it refuses to run as another user).

1. Every labels CSV (``split,label,path,source[,kind,config]``, paths relative to the CSV) is read, the
   rows of ``--split`` kept (all rows without it), and one combined CSV with absolute paths is written for
   ``../shared/baseline/run_baselines.py``. The harness keeps only rows whose split column equals its
   ``--split`` exactly, so the combined CSV carries ``--split`` (or ``all``) in that column. The harness
   scores SpamAssassin 4 and Rspamd 3.4 offline on 127.0.0.1, each daemon and the client pinned to one CPU.
2. Rempart scans the same rows with the machinery of ``rempart eval``
   (``rempart.evaluation.runner.scan_labelled``, ``--jobs 1``) in this process, pinned to the same CPU.
   Each row keeps its organisation's profile: the ``rempart.toml`` beside its labels CSV (or the row's
   own ``config``), passed through eval's ``config`` column; rows without one use the embedded defaults
   (``$REMPART_CONFIG`` is ignored here).
3. Every figure of the table — for all three tools — comes from ``rempart.evaluation.runner.summarise``
   and ``rempart.evaluation.metrics`` over per-message scores (for the baselines, the harness's
   ``<split>_per_message.csv``), so the columns are computed identically. Each tool is judged at its own
   default threshold: SpamAssassin score ≥ 5, Rspamd action add header / rewrite subject / reject
   (score ≥ 6), Rempart verdict not ``clean`` (score ≥ 0.5).

Speed is measured the same way for the three tools: one CPU, one message at a time, a warm-up of
``--warmup`` messages that is not timed (for Rempart: per engine, i.e. per organisation, since the engine
is built per profile), messages/second = timed messages / wall seconds of the timed pass (file reads
included), latency = each message's own time (nearest-rank p50 / p99). For the daemons a message's time is
the client's round trip; for Rempart it is the time from one message's result to the next one's
(read + parse + analyzers + verdict). CPU ms/msg adds the harness client's and the daemon tree's CPU time
for the baselines, and is this process's CPU time for Rempart.

``--rempart-rev REV`` measures a committed revision rather than the working tree (which others may be
editing). REV is resolved when the baselines have finished, right before Rempart scans (so ``HEAD`` is as
recent as it can be): ``git archive REV rempart`` is unpacked into a temporary folder and the script
re-runs itself with that folder first on ``PYTHONPATH``; the report names the commit. Without it the
report names HEAD and lists the uncommitted files under rempart/ that were measured with it.

Only totals, per-source (per-organisation) figures and run metadata are printed — never a message's
path or verdict — so it is safe to run on a guard split. Temporary files (the harness's per-message
CSVs) are deleted at the end unless ``--keep-tmp``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HARNESS = Path("/work/shared/baseline/run_baselines.py")
BASELINE_TOOLS = ("spamassassin", "rspamd")
KNOWN_LABELS = frozenset({"phish", "ai_phish", "ham", "ai_ham", "spam"})
ENV_REV = "REMPART_COMPARE_REV"
ENV_EXPORT = "REMPART_COMPARE_EXPORT"
ENV_RESUME = "REMPART_COMPARE_RESUME"  # JSON: the first half's temporary folder and run metadata

if os.environ.get(ENV_EXPORT):
    # An editable install maps ``rempart`` to the working tree through a meta-path finder, which PYTHONPATH does not
    # outrank: drop it, so that the exported revision is what this process imports (checked in scan_rempart).
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, os.environ[ENV_EXPORT])


@dataclass(frozen=True, slots=True)
class Row:
    split: str
    label: str
    path: str  # absolute, normalised
    source: str
    kind: str
    config: str  # absolute path of the organisation's rempart.toml, "" for the embedded defaults


@dataclass(slots=True)
class ToolRun:
    name: str
    version: str
    scored: list[Any]  # rempart.evaluation.runner.Scored
    timed_n: int
    wall_s: float
    latencies_s: list[float]
    cpu_ms_per_msg: float | None
    notes: list[str]


# --------------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------------
def read_rows(label_files: Sequence[Path], split: str | None, limit: int | None) -> list[Row]:
    rows: list[Row] = []
    for csv_path in label_files:
        base = csv_path.resolve().parent
        beside = base / "rempart.toml"
        taken = 0
        with csv_path.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if split is not None and r["split"] != split:
                    continue
                if limit is not None and taken >= limit:
                    break
                rel = r["path"].strip()
                if rel.lower().endswith(".csv"):
                    raise SystemExit(f"{csv_path}: row {rel!r} is a table of texts; the harness wraps those in an "
                                     "envelope and Rempart does not, so they cannot be compared here.")
                own = (r.get("config") or "").strip()
                cfg = str((base / own).resolve()) if own else (str(beside) if beside.is_file() else "")
                rows.append(Row(r["split"], r["label"].strip(), os.path.normpath(base / rel), r["source"],
                                (r.get("kind") or "").strip(), cfg))
                taken += 1
    paths = [r.path for r in rows]
    if len(set(paths)) != len(paths):
        raise SystemExit("the same message file is listed twice; results are joined on the path, so fix the labels")
    odd = sorted({r.label for r in rows} - KNOWN_LABELS)
    if odd:
        print(f"note: labels {odd} are neither phish/ai_phish, ham/ai_ham nor spam: scanned, but outside the "
              "phish-vs-ham figures (Rempart's reading; the harness would count some of them)", file=sys.stderr)
    return rows


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest rank, the harness's own formula: value at index min(n-1, int(q*n))."""
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


# --------------------------------------------------------------------------------------------------
# SpamAssassin and Rspamd through the shared harness
# --------------------------------------------------------------------------------------------------
def parse_throughput(summary_md: Path) -> dict[str, dict[str, str]]:
    """The harness summary's throughput table, as {tool: {column: cell}}."""
    lines = summary_md.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| tool | version |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    out: dict[str, dict[str, str]] = {}
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        raw = ln.strip().strip("|").split("|")
        # the last cell ("stock CLI check") may itself hold "max |Δscore| …": join the overflow back
        cells = [c.strip() for c in [*raw[:len(header) - 1], "|".join(raw[len(header) - 1:])]]
        out[cells[0]] = dict(zip(header, cells, strict=True))
    return out


def launch_harness(rows: list[Row], split_name: str, tmp: Path, args: argparse.Namespace) -> None:
    labels = tmp / "harness_labels.csv"
    write_csv(labels, ("split", "label", "path", "source"),
              [(split_name, r.label, r.path, r.source) for r in rows])
    out_dir = tmp / "harness"
    cmd = ["python3", str(args.harness), "--labels", str(labels), "--split", split_name, "--out-dir", str(out_dir),
           "--cpu", str(args.cpu), "--tools", ",".join(args.tools), "--warmup", str(args.warmup)]
    log_path = tmp / "harness.log"
    print("harness: " + shlex.join(cmd), file=sys.stderr, flush=True)
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp)
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            # progress and status lines only: the summary it prints is rebuilt below, DNS names are not shown
            if line.startswith(("[", "WARNING")):
                print("  " + line.rstrip(), file=sys.stderr, flush=True)
        rc = proc.wait()
    if rc != 0:
        raise SystemExit(f"the baseline harness failed (exit {rc}); its output is in {log_path}")


def collect_harness(rows: list[Row], split_name: str, tmp: Path, args: argparse.Namespace) -> list[ToolRun]:
    from rempart.evaluation.labels import Labelled
    from rempart.evaluation.runner import Scored

    out_dir = tmp / "harness"
    by_path = {r.path: r for r in rows}
    per_tool: dict[str, list[dict[str, str]]] = {t: [] for t in args.tools}
    with (out_dir / f"{split_name}_per_message.csv").open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            per_tool.setdefault(rec["tool"], []).append(rec)
    throughput = parse_throughput(out_dir / f"{split_name}_summary.md")
    runs: list[ToolRun] = []
    for tool in args.tools:
        recs = per_tool.get(tool, [])
        scored: list[Scored] = []
        for rec in recs:
            row = by_path[os.path.normpath(rec["path"])]
            item = Labelled(row.split, row.label, Path(row.path), row.source, row.kind, None)
            if rec["score"] == "":
                scored.append(Scored(item, 0.0, False, "error", error=rec["detail"] or "error"))
            else:
                scored.append(Scored(item, float(rec["score"]), rec["tool_verdict"] == "spam", rec["tool_verdict"]))
        t = throughput.get(tool, {})
        # the harness prints wall seconds with one decimal but msgs/s with two: derive the wall time from the latter
        mps = float(t.get("msgs/s (wall, 1 core)", "nan"))
        wall = len(recs) / mps if mps > 0 else float("nan")
        cpu = None
        with contextlib.suppress(KeyError, ValueError):
            cpu = float(t["client CPU ms/msg"]) + float(t["daemon CPU ms/msg"])
        notes = [f"DNS queries seen by the harness's stub: {t.get('DNS queries', '?')}",
                 f"errors: {t.get('errors', '?')}",
                 f"CPU ms/msg: client {t.get('client CPU ms/msg', '?')} + daemon {t.get('daemon CPU ms/msg', '?')}",
                 f"stock CLI check: {t.get('stock CLI check', '?')}"]
        missing = len(rows) - len(recs)
        if missing:
            notes.append(f"{missing} listed messages were not scored by the harness (missing files?)")
        runs.append(ToolRun(tool, t.get("version", tool), scored, len(recs), wall,
                            sorted(float(r["seconds"]) for r in recs), cpu, notes))
    return runs


# --------------------------------------------------------------------------------------------------
# Rempart, in this process
# --------------------------------------------------------------------------------------------------
def run_rempart(rows: list[Row], split_name: str, tmp: Path, warmup: int) -> tuple[ToolRun, dict[str, Any]]:
    import rempart
    from rempart.evaluation.runner import scan_labelled, summarise

    export = os.environ.get(ENV_EXPORT)
    if export and not Path(rempart.__file__).resolve().is_relative_to(Path(export).resolve()):
        raise SystemExit(f"--rempart-rev: rempart was imported from {rempart.__file__}, not from {export}")
    os.environ.pop("REMPART_CONFIG", None)  # the dev corpus uses the embedded defaults, orgs their own profile
    labels = tmp / "rempart_labels.csv"  # nothing else in tmp is called rempart.toml: no config "beside" it
    write_csv(labels, ("split", "label", "path", "source", "kind", "config"),
              [(split_name, r.label, r.path, r.source, r.kind, r.config) for r in rows])
    marks: list[tuple[float, float]] = []

    def progress(_n: int) -> None:
        marks.append((time.perf_counter(), time.process_time()))

    print(f"rempart: scanning {len(rows)} messages, --jobs 1, CPU {sorted(os.sched_getaffinity(0))}",
          file=sys.stderr, flush=True)
    scored, seconds = scan_labelled([labels], config=None, split=split_name, jobs=1, progress=progress)
    assert len(marks) == len(scored)
    # scan_labelled scans one profile group after another (one engine each): consecutive runs of the same
    # config are the groups; in each, the first `warmup` messages (and the engine build) are not timed.
    lat: list[float] = []
    wall = cpu = 0.0
    timed = 0
    i = 0
    while i < len(scored):
        j = i
        key = scored[i].item.config
        while j < len(scored) and scored[j].item.config == key:
            j += 1
        first = i + warmup  # index of the first timed message in this group (warmup >= 1)
        if first < j:
            wall += marks[j - 1][0] - marks[first - 1][0]
            cpu += marks[j - 1][1] - marks[first - 1][1]
            lat.extend(marks[k][0] - marks[k - 1][0] for k in range(first, j))
            timed += j - first
        i = j
    report = summarise(scored, seconds)
    groups = len({s.item.config for s in scored})
    notes = [f"end to end {len(scored)} messages in {seconds:.1f} s = {len(scored) / seconds:.0f} msgs/s, "
             f"including {groups} engine build(s) and warm-up",
             f"errors: {report['errors']}; ham called malicious: {report['malicious_negatives']}",
             f"imported from {Path(rempart.__file__).parent}"]
    cmp_ = report.get("compare") or {}
    parts: list[str] = []
    for scorer, name in (("fused", "fused verdict"), ("analyzers", "analyzers + rules alone"),
                         ("model", "model alone")):
        b = cmp_.get(scorer)
        if b is not None:
            parts.append(f"{name} AUC {fmt_num(b['auc'])}, TPR@1%FPR {fmt_pct(b['tpr_at_fpr_0.01'])}")
    if parts:
        notes.append("scorers on the same scans: " + "; ".join(parts))
    run = ToolRun("rempart", f"Rempart {getattr(rempart, '__version__', '?')}", list(scored), timed, wall,
                  sorted(lat), 1000 * cpu / timed if timed else None, notes)
    return run, report


# --------------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------------
def fmt_pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def fmt_num(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


def build_table(runs: list[ToolRun]) -> tuple[str, list[str]]:
    from rempart.evaluation.runner import summarise

    reports = {r.name: summarise(r.scored, 0.0) for r in runs}
    header = ("| set | tool | phish | ham | ROC AUC | TPR @ 1 % FPR | TPR @ 0.1 % FPR | TPR (default) | "
              "FPR (default) | spam flagged | msgs/s (1 core) | latency p50 / p99 ms | CPU ms/msg |")
    lines = [header, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]

    def row(set_name: str, run: ToolRun, b: dict[str, Any], overall: bool, spam: float | None) -> str:
        speed = lat = cpu = "—"
        if overall:
            speed = f"{run.timed_n / run.wall_s:.1f}" if run.wall_s > 0 else "—"
            p50, p99 = percentile(run.latencies_s, 0.50), percentile(run.latencies_s, 0.99)
            if p50 is not None and p99 is not None:
                lat = f"{1000 * p50:.1f} / {1000 * p99:.1f}"
            cpu = "—" if run.cpu_ms_per_msg is None else f"{run.cpu_ms_per_msg:.1f}"
        return (f"| {set_name} | {run.name} | {b.get('n_pos', '—')} | {b.get('n_neg', '—')} | "
                f"{fmt_num(b.get('auc'))} | {fmt_pct(b.get('tpr_at_fpr_0.01'))} | "
                f"{fmt_pct(b.get('tpr_at_fpr_0.001'))} | {fmt_pct(b.get('tpr'))} | "
                f"{fmt_pct(b.get('fpr'))} | {fmt_pct(spam)} | {speed} | {lat} | {cpu} |")

    for run in runs:
        rep = reports[run.name]
        lines.append(row("**all**", run, rep, True, rep.get("spam_flagged")))
    sources = sorted({s for rep in reports.values() for s in rep["per_source"]})
    for src in sources:
        for run in runs:
            b = reports[run.name]["per_source"].get(src)
            if b is None:
                continue
            if "n_pos" not in b:  # spam and other labels: only the share flagged
                lines.append(row(src, run, {"n_pos": "—", "n_neg": "—"}, False, b.get("flagged")))
            else:
                lines.append(row(src, run, b, False, None))
    notes = []
    for run in runs:
        rep = reports[run.name]
        notes.append(f"- **{run.name}** ({run.version}): {rep['n']} messages scored, {rep['errors']} errors; "
                     f"timed {run.timed_n} messages in {run.wall_s:.1f} s. " + "; ".join(run.notes) + ".")
    return "\n".join(lines), notes


# --------------------------------------------------------------------------------------------------
# run metadata
# --------------------------------------------------------------------------------------------------
def sh(cmd: Sequence[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False).stdout.strip()
    except OSError:
        return "?"


def measured_revision() -> str:
    rev = os.environ.get(ENV_REV)
    if rev:
        return f"`{rev}` (committed tree, exported with `git archive`; working-tree edits not included)"
    head = sh(["git", "rev-parse", "HEAD"], REPO)
    dirty = sorted(set(sh(["git", "diff", "--name-only", "HEAD", "--", "rempart"], REPO).splitlines())
                   | set(sh(["git", "ls-files", "--others", "--exclude-standard", "--", "rempart"], REPO).splitlines()))
    if not dirty:
        return f"`{head}` (working tree, no uncommitted change under rempart/)"
    return (f"`{head}` plus {len(dirty)} uncommitted change(s) under rempart/ in the working tree: "
            + ", ".join(f"`{name}`" for name in dirty[:12]) + (" …" if len(dirty) > 12 else ""))


def invocation() -> str:
    return shlex.join([os.path.relpath(sys.executable) if not sys.executable.startswith("/usr") else sys.executable,
                       *sys.argv])


def reexec_on_revision(rev: str, meta: dict[str, str]) -> None:
    """Export ``rev``'s rempart/ now (after the baselines: as late as possible) and re-run this script on it;
    the new process finds the baselines' results through ``meta`` and goes on with Rempart."""
    sha = sh(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], REPO)
    if not sha:
        raise SystemExit(f"--rempart-rev {rev}: not a commit of {REPO}")
    export = Path(tempfile.mkdtemp(prefix=f"compare_baselines_rempart_{sha[:10]}_"))
    archive = subprocess.run(["git", "archive", "--format=tar", sha, "rempart"], cwd=REPO, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    print(f"rempart: measuring commit {sha} (exported to {export})", file=sys.stderr, flush=True)
    env = dict(os.environ)
    env[ENV_REV], env[ENV_EXPORT], env[ENV_RESUME] = sha, str(export), json.dumps(meta)
    env["PYTHONPATH"] = str(export) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


# --------------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, action="append", required=True,
                    help="labels CSV (split,label,path,source[,kind,config]); repeat for several")
    ap.add_argument("--split", default=None, help="only rows of this split (default: every row)")
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown report here")
    ap.add_argument("--cpu", type=int, default=0, help="the one CPU all three tools run on")
    ap.add_argument("--warmup", type=int, default=10, help="messages scanned before timing (per engine for Rempart)")
    ap.add_argument("--tools", default="spamassassin,rspamd", help="baseline tools, comma-separated")
    ap.add_argument("--harness", type=Path, default=HARNESS)
    ap.add_argument("--limit", type=int, default=None, help="only the first N rows of each labels CSV (smoke tests)")
    ap.add_argument("--rempart-rev", default=None, help="measure this committed revision of rempart/ (e.g. HEAD)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary folder (per-message CSVs)")
    args = ap.parse_args()
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if any(t not in BASELINE_TOOLS for t in args.tools):
        raise SystemExit(f"--tools: choose among {', '.join(BASELINE_TOOLS)}")
    if args.warmup < 1:
        raise SystemExit("--warmup must be at least 1 (Rempart builds its engine while scanning the first message)")
    if os.geteuid() != 0:
        raise SystemExit("run as root: the baseline harness starts spamd and rspamd itself")
    rows = read_rows(args.labels, args.split, args.limit)
    if not rows:
        raise SystemExit("no rows selected")
    split_name = args.split or "all"
    os.sched_setaffinity(0, {args.cpu})
    resume = os.environ.get(ENV_RESUME)
    if resume:  # second half, on an exported revision: the baselines have run
        meta = json.loads(resume)
        tmp = Path(meta["tmp"])
    else:
        tmp = Path(tempfile.mkdtemp(prefix="compare_baselines_"))
        meta = {"tmp": str(tmp), "command": invocation(), "load_before": sh(["uptime"]),
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        if not resume:
            launch_harness(rows, split_name, tmp, args)
            meta["load_mid"] = sh(["uptime"])
            if args.rempart_rev:
                reexec_on_revision(args.rempart_rev, meta)  # does not return
        baselines = collect_harness(rows, split_name, tmp, args)
        rempart_run, _ = run_rempart(rows, split_name, tmp, args.warmup)
        load_after = sh(["uptime"])
        table, notes = build_table([rempart_run, *baselines])
    finally:
        if args.keep_tmp:
            print(f"temporary files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        export = os.environ.get(ENV_EXPORT)
        if export and Path(export).name.startswith("compare_baselines_rempart_"):
            shutil.rmtree(export, ignore_errors=True)

    n_pos = sum(r.label in ("phish", "ai_phish") for r in rows)
    n_neg = sum(r.label in ("ham", "ai_ham") for r in rows)
    inputs = ", ".join(f"`{p}`" for p in args.labels)
    md = [
        f"# Rempart vs SpamAssassin vs Rspamd — split `{split_name}`",
        "",
        f"- date: {meta['started']} (finished "
        f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')})",
        f"- machine: {os.cpu_count()} CPUs, everything pinned to CPU {args.cpu}; load (`uptime`) before: "
        f"`{meta['load_before']}`; between the baselines and Rempart: `{meta['load_mid']}`; after: `{load_after}`",
        f"- Rempart measured at commit {measured_revision()}",
        f"- command: `{meta['command']}`",
        f"- labels: {inputs}; {len(rows)} messages ({n_pos} phish, {n_neg} ham, {len(rows) - n_pos - n_neg} other)",
        "",
        table,
        "",
        "How to read it:",
        "- Default thresholds: Rempart verdict not `clean` (score ≥ 0.5); SpamAssassin score ≥ 5.0; Rspamd action "
        "add header / rewrite subject / reject (score ≥ 6). `TPR @ x FPR` ranks by each tool's own score and "
        "flags scores strictly above the threshold that keeps the false-positive rate ≤ x (ties never help).",
        "- Every figure, for all three tools, comes from `rempart.evaluation.runner.summarise` "
        "(`rempart.evaluation.metrics`). A source with only phish is ranked against all ham of the run, and "
        "one with only ham against all phish; its other-class rates are left blank. `spam flagged` is the "
        "share of `spam` (neither phish nor ham) at the default threshold.",
        f"- With {n_neg} ham, `TPR @ 1 % FPR` lets at most {math.floor(0.01 * n_neg + 1e-9)} ham score above "
        f"the threshold and `TPR @ 0.1 % FPR` at most {math.floor(0.001 * n_neg + 1e-9)}; in a source with "
        "fewer than 100 ham both mean that no ham of that source is flagged.",
        "- The harness writes the baselines' scores with 3 decimals (Rempart's are unrounded); rounding can only "
        "create ties, which count one half in the AUC and are never flagged at a fixed FPR.",
        "- Speed: one message at a time on one CPU, after a warm-up that is not timed (Rempart: the first "
        f"{args.warmup} messages of each organisation's engine; baselines: the harness's {args.warmup}); "
        "msgs/s = timed messages / wall seconds; latency = each message's own time (daemons: client round "
        "trip; Rempart: read + scan + verdict), nearest-rank percentiles. The machine is shared: wall-clock "
        "figures move with its load; CPU ms/msg moves less.",
        "- Baselines are offline (no DNSBL/URIBL, SPF/DKIM/DMARC, Razor/Pyzor/DCC, fuzzy, Bayes): a "
        "content-and-headers-only baseline; see `../shared/baseline/README.md`.",
        "",
        "Per tool:",
        *notes,
        "",
    ]
    text = "\n".join(md)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
