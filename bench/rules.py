"""What the rule pack costs and what it hits.

    .venv/bin/python bench/rules.py --labels ../shared/corpus/labels.csv [--config F] [--limit N] [--split dev]

Scans every labelled message once with the full engine (registered analyzers + shipped pack + the
config's rules) in this process, pinned to one CPU, and prints:

* the rule pack's cost: time in ``RuleSet.evaluate`` (facts conversion, regex sets, every condition,
  allow/block lists) as a share of the whole scan time, mean and p50/p95 per message;
* per rule, how many positives (phish, ai_phish) and negatives (ham, ai_ham) it hits, and every rule of
  severity high or critical that hits more than 0.1 % of the negatives (exit status 1 if any).

Several ``--labels`` files may be given (bench/corpus-fr/*/labels.csv: use ``--split train``, never guard);
each row may name its own config in a ``config`` column, else the file's folder ``rempart.toml`` is used
when present.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from rempart.config import load_config
from rempart.engine.build import build_engine
from rempart.engine.engine import Engine

POSITIVE = {"phish", "ai_phish"}
NEGATIVE = {"ham", "ai_ham"}
HIGH = {"high", "critical"}
FP_LIMIT = 0.001


def _rows(labels: list[str], split: str | None, limit: int) -> list[tuple[str, str, Path, str | None]]:
    out = []
    for label_file in labels:
        base = Path(label_file).parent
        default_config = base / "rempart.toml"
        with open(label_file, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if split and row.get("split") != split:
                    continue
                if row["label"] not in POSITIVE | NEGATIVE:
                    continue
                config = row.get("config") or (str(default_config) if default_config.is_file() else None)
                out.append((row["label"], row.get("source", ""), base / row["path"], config))
    return out[:limit] if limit else out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", action="append", required=True)
    parser.add_argument("--config", default=None, help="rempart.toml for rows that name none")
    parser.add_argument("--split", default=None)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: no pinning)")
    parser.add_argument("--show", type=int, default=0, help="print the paths of up to N negatives per high rule")
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    rows = _rows(args.labels, args.split, args.limit)
    engines: dict[str | None, Engine] = {}
    hits: dict[str, Counter[str]] = defaultdict(Counter)
    severity: dict[str, str] = {}
    negatives_hit: dict[str, list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    rule_ms: list[float] = []
    scan_ms: list[float] = []
    for label, _source, path, config in rows:
        key = config or args.config
        if key not in engines:
            engines[key] = build_engine(load_config(key))
            for raw_warm in (p.read_bytes() for _, _, p, _ in rows[:5]):
                engines[key].scan(raw_warm)
        engine = engines[key]
        raw = path.read_bytes()
        t0 = time.perf_counter()
        verdict = engine.scan(raw)
        scan_ms.append((time.perf_counter() - t0) * 1000)
        rule_ms.append(verdict.timings.get("rules", 0.0))
        group = "pos" if label in POSITIVE else "neg"
        totals[group] += 1
        for h in verdict.rule_hits:
            hits[h.rule_id][group] += 1
            severity[h.rule_id] = h.severity
            if group == "neg":
                negatives_hit[h.rule_id].append(str(path))

    n_rules = max((len(e.rules.compiled) for e in engines.values() if e.rules is not None), default=0)
    total_scan, total_rules = sum(scan_ms), sum(rule_ms)
    shares = sorted(r / s for r, s in zip(rule_ms, scan_ms, strict=True) if s > 0)
    print(f"messages: {len(rows)} ({totals['pos']} positives, {totals['neg']} negatives); rules loaded: {n_rules}")
    print(f"scan time: {total_scan / len(rows):.2f} ms/message mean; "
          f"rule pack {total_rules / len(rows):.3f} ms/message "
          f"= {100 * total_rules / total_scan:.1f} % of scan time (per-message share p50 "
          f"{100 * statistics.median(shares):.1f} %, p95 {100 * shares[int(len(shares) * 0.95)]:.1f} %)")
    print(f"\n{'rule':48} {'sev':9} {'pos hits':>9} {'neg hits':>9} {'neg %':>7}")
    limit_hits = FP_LIMIT * totals["neg"]
    bad = []
    for rule_id in sorted(hits, key=lambda r: (-hits[r]["pos"], r)):
        pos, neg = hits[rule_id]["pos"], hits[rule_id]["neg"]
        share = 100 * neg / totals["neg"] if totals["neg"] else 0.0
        flag = ""
        if severity[rule_id] in HIGH and neg > limit_hits:
            flag = "  <-- over 0.1 %"
            bad.append(rule_id)
        print(f"{rule_id:48} {severity[rule_id]:9} {pos:9d} {neg:9d} {share:6.2f}%{flag}")
        if args.show and neg and severity[rule_id] in HIGH:
            for p in negatives_hit[rule_id][: args.show]:
                print(f"      {p}")
    covered = sum(1 for r in hits if hits[r]["pos"])
    print(f"\n{covered} rules hit at least one positive; high/critical rules over 0.1 % of negatives: {bad or 'none'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
