"""Throughput of attachment analysis on one core, on the messages that have attachments.

    .venv/bin/python bench/attachments.py --corpus ../shared/corpus/dev [--config F] [--labels L]

Reads and parses every message first, keeps those with at least one non-empty attachment (forwarded
messages' included), pins itself (and so its sandbox worker) to one CPU, warms up, then:
- runs the ``attachments`` analyzer on each message: messages/s and latency;
- runs the whole scan (``Engine.scan``) on the same messages: messages/s;
- times every attachment alone and prints the slowest ones;
- with ``--labels`` (the corpus labels.csv), counts per label the messages that got an attachment
  finding of weight >= 0.3 (ham should be ~0).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rempart.analyzers import attachments
from rempart.analyzers.base import Context
from rempart.engine.build import build_engine_from_path
from rempart.findings import Finding
from rempart.message.model import Message
from rempart.message.parse import parse_message


def _has_attachments(message: Message) -> bool:
    return any(a.content for a in message.attachments) or any(_has_attachments(m) for m in message.embedded)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default="../shared/corpus/dev", help="folder of messages (recursive)")
    parser.add_argument("--config", default=None, help="rempart.toml (default: embedded defaults)")
    parser.add_argument(
        "--labels", default=None, help="labels.csv (split,label,path,source) for per-label counts"
    )
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: no pinning)")
    args = parser.parse_args()

    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    root = Path(args.corpus)
    engine = build_engine_from_path(args.config)
    attachments.prepare(engine.resources)
    chosen: list[tuple[Path, bytes, Message]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        raw = path.read_bytes()
        message = parse_message(raw, engine.config.limits)
        if _has_attachments(message):
            chosen.append((path, raw, message))
    if not chosen:
        print(f"no messages with attachments under {root}", file=sys.stderr)
        return 2

    def analyze(message: Message) -> list[Finding]:
        return list(attachments.analyze(message, Context(engine.config, engine.resources)))

    for _, _, message in chosen[: args.warmup]:
        analyze(message)

    latencies: list[float] = []
    flagged: dict[str, bool] = {}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for path, _, message in chosen:
        s = time.perf_counter()
        found = analyze(message)
        latencies.append((time.perf_counter() - s) * 1000)
        flagged[str(path.resolve())] = any(f.weight >= 0.3 for f in found)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0

    t1 = time.perf_counter()
    for _, raw, _ in chosen:
        engine.scan(raw)
    scan_wall = time.perf_counter() - t1

    singles: list[tuple[float, str, int, str]] = []
    for path, _, message in chosen:
        for attachment in message.attachments:
            if attachment.content:
                alone = dataclasses.replace(message, attachments=(attachment,), embedded=())
                s = time.perf_counter()
                analyze(alone)
                singles.append(
                    ((time.perf_counter() - s) * 1000, attachment.filename, attachment.size, path.name)
                )
    singles.sort(reverse=True)

    n = len(chosen)
    latencies.sort()
    print(f"messages with attachments  {n}  ({sum(len(m.attachments) for _, _, m in chosen)} attachments)")
    print(
        f"attachments analyzer       {n / wall:.0f} messages/s (wall, 1 core)   "
        f"{n / cpu:.0f} messages/s per engine CPU-second (worker CPU not included)"
    )
    print(
        f"latency ms                 p50 {latencies[n // 2]:.1f}   p90 {latencies[int(n * 0.9)]:.1f}   "
        f"max {latencies[-1]:.1f}   mean {statistics.fmean(latencies):.1f}"
    )
    print(f"whole scan                 {n / scan_wall:.0f} messages/s (wall, 1 core)")
    print("slowest attachments (ms, name, bytes, message):")
    for ms, name, size, message_name in singles[:5]:
        print(f"  {ms:8.1f}  {name[:60]!r}  {size}  {message_name}")
    if args.labels:
        labels: dict[str, str] = {}
        base = Path(args.labels).resolve().parent
        with open(args.labels, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                labels[str((base / row["path"]).resolve())] = row["label"]
        totals: Counter[str] = Counter(labels.get(p, "?") for p in flagged)
        hits: Counter[str] = Counter(labels.get(p, "?") for p, hit in flagged.items() if hit)
        print(
            "messages with an attachment finding >= 0.3, per label: "
            + ", ".join(f"{label} {hits[label]}/{totals[label]}" for label in sorted(totals))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
