"""Throughput of the whole scan on one core: messages/second, latency percentiles, peak memory.

    .venv/bin/python bench/throughput.py --corpus ../shared/corpus/dev [--config F] [--limit N]

Reads every file first (so disk is not measured), pins itself to one CPU, warms up, then scans each
message once in this process with one engine, the way `rempart scan --jobs 1` does.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rempart.engine.build import build_engine_from_path, keep_for_process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus/dev", help="folder of messages (recursive)")
    parser.add_argument("--config", default=None, help="rempart.toml (default: embedded defaults)")
    parser.add_argument("--limit", type=int, default=0, help="scan at most N messages")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: no pinning)")
    args = parser.parse_args()

    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file() and not p.name.startswith("."))
    if args.limit:
        files = files[: args.limit]
    if not files:
        print(f"no messages under {args.corpus}", file=sys.stderr)
        return 2
    raws = [p.read_bytes() for p in files]
    c = time.process_time()
    engine = build_engine_from_path(args.config)
    keep_for_process()  # as `rempart scan` does with its one engine
    start_cpu = time.process_time() - c
    c = time.process_time()
    engine.scan(raws[0])
    first_ms = (time.process_time() - c) * 1000
    for raw in raws[: args.warmup]:
        engine.scan(raw)

    latencies: list[float] = []
    cpu_ms: list[float] = []
    stages: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for raw in raws:
        s = time.perf_counter()
        c = time.process_time()
        verdict = engine.scan(raw)
        cpu_ms.append((time.process_time() - c) * 1000)
        latencies.append((time.perf_counter() - s) * 1000)
        levels[verdict.level.value] += 1
        for stage, ms in verdict.timings.items():
            stages[stage] += ms
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    n = len(raws)
    print(f"messages            {n}  ({sum(len(r) for r in raws) / 1e6:.1f} MB)")
    print(f"throughput          {n / wall:.0f} messages/s (wall, 1 core)   {n / cpu:.0f} messages/s per CPU-second")
    print(f"latency ms          p50 {pct(50):.2f}   p90 {pct(90):.2f}   p99 {pct(99):.2f}   max {latencies[-1]:.1f}"
          f"   mean {statistics.fmean(latencies):.2f}")
    cpu_ms.sort()
    print(f"CPU ms per message  p50 {cpu_ms[n // 2]:.2f}   p99 {cpu_ms[min(n - 1, int(0.99 * n))]:.2f}"
          f"   mean {statistics.fmean(cpu_ms):.2f}   (not inflated by other processes on a shared machine)")
    print(f"engine start        {start_cpu:.2f} s CPU (build and warm-up); first message "
          f"{first_ms:.1f} ms CPU")
    print(f"peak memory         {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (max RSS)")
    print("time per stage (mean ms): " + ", ".join(
        f"{k} {v / n:.3f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1]) if k != "total"))
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(levels.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
