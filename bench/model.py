"""Model inference cost: milliseconds per message for ``predict`` (features + score), and the whole scan
with and without the model, on one core.

    .venv/bin/python bench/model.py --corpus ../shared/corpus/dev [--limit N] [--model PATH]

Findings and facts are computed first (the engine without a model), so the first figure is the model
alone: neutralising the text, hashing word and character n-grams, the dot product and calibration.
The model caches each word's coefficients the first time it meets the word: the first pass over the
messages pays for new vocabulary (a scan of fresh mail), the second shows a running service's steady state.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from rempart.config import Config, ModelSettings
from rempart.engine.build import build_engine
from rempart.message.parse import parse_message
from rempart.model.artifact import LearnedModel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="../shared/corpus/dev")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--model", default=None, help="artifact (default: the shipped one)")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: no pinning)")
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file() and not p.name.startswith("."))
    # Every n-th file, so a limited run still spans every source folder.
    step = max(len(files) // max(args.limit, 1), 1)
    files = files[::step][: args.limit]
    if not files:
        print(f"no messages under {args.corpus}", file=sys.stderr)
        return 2
    raws = [p.read_bytes() for p in files]
    model = LearnedModel.load(Path(args.model) if args.model else None)
    bare = build_engine(Config(model=ModelSettings(enabled=False)))
    prepared = []
    for raw in raws:
        message = parse_message(raw, bare.config.limits)
        verdict = bare.scan_message(message)
        prepared.append((message, verdict.findings, verdict.facts))
    for message, findings, facts in prepared[:20]:
        model.predict(message, findings, facts)
    latencies = []
    cpu0 = time.process_time()
    for message, findings, facts in prepared:
        t0 = time.perf_counter()
        model.predict(message, findings, facts)
        latencies.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000 / len(prepared)
    cpu0 = time.process_time()
    for message, findings, facts in prepared:
        model.predict(message, findings, facts)
    warm_ms = (time.process_time() - cpu0) * 1000 / len(prepared)
    latencies.sort()
    print(f"messages            {len(prepared)}")
    print(f"model predict ms    mean {statistics.fmean(latencies):.3f}   p50 {latencies[len(latencies) // 2]:.3f}   "
          f"p90 {latencies[int(len(latencies) * 0.9)]:.3f}   p99 {latencies[int(len(latencies) * 0.99)]:.3f}   "
          f"max {latencies[-1]:.3f}")
    print(f"model predict CPU   {cpu_ms:.3f} ms per message, first pass; {warm_ms:.3f} ms second pass "
          "(CPU time: unaffected by other processes)")
    for name, engine in (("scan without model", bare), ("scan with model", build_engine(Config()))):
        for raw in raws[:20]:
            engine.scan(raw)
        t0, c0 = time.perf_counter(), time.process_time()
        for raw in raws:
            engine.scan(raw)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{name:20s}{len(raws) / seconds:8.0f} messages/s wall, {len(raws) / cpu:8.0f} per CPU-second (1 core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
