"""``rempart scan --scheduler tcp://HOST:8786``: the same verdicts as a local scan, computed on Dask."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rempart.config import load_config
from rempart.hunt.dask_runner import run_dask
from rempart.hunt.jobs import SCAN, Job, select_rules
from rempart.hunt.local import ScanResult
from rempart.message.sources import Source


def scan_on_cluster(sources: Iterable[Source], config_path: str | None, lang: str,
                    scheduler: str) -> Iterator[ScanResult]:
    """Verdicts in input order, as ``ScanResult`` like the local pool; unreadable sources are errors."""
    config = load_config(config_path)
    job = Job.create(SCAN, config, select_rules(config), lang)
    for src, row in run_dask(job, sources, scheduler):
        if row.get("error") or "result" not in row:
            yield ScanResult(src.label, None, row.get("error") or "no result", 0.0)
        else:
            yield ScanResult(src.label, row["result"], None, float(row.get("elapsed_ms", 0.0)))
