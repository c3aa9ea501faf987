"""Retro-hunts on the local pool and on a real Dask cluster (LocalCluster, 2 worker processes, loopback)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.config import load_config
from rempart.hunt.cluster_scan import scan_on_cluster
from rempart.hunt.dask_runner import run_job
from rempart.hunt.jobs import HUNT, Job, select_rules
from rempart.message.sources import iter_messages
from rempart.rules.loader import shipped_pack_dir

PACK = shipped_pack_dir()
PROFILE = PACK / "tests" / "rempart.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small 'archive': a few match and nomatch test messages of the pack, plus one mbox."""
    root = tmp_path_factory.mktemp("archive")
    picks = ["bec-gift-card-request/match/ceo-giftcards.eml",
             "bec-gift-card-request/nomatch/giftcard-legit-internal.eml",
             "payload-script-attachment/match/script-attachment.eml", "fr-ameli-lure/match/ameli-lure.eml",
             "fr-ameli-lure/nomatch/ameli-legit.eml", "thread-fake-reply/nomatch/real-reply.eml"]
    for i, p in enumerate(picks):
        shutil.copy(PACK / "tests" / p, root / f"{i:02d}-{Path(p).name}")
    mbox = b"".join(b"From x@y Tue Oct 14 09:12:00 2025\n" + (PACK / "tests" / p).read_bytes().replace(b"\r\n", b"\n")
                    + b"\n" for p in picks[:2])
    (root / "box.mbox").write_bytes(mbox)
    return root


def _hunt_rows(args: list[str]) -> tuple[int, list[dict[str, str]]]:
    result = runner.invoke(app, ["hunt", *args])
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, rows


def test_hunt_with_one_rule_prints_json_lines(archive: Path) -> None:
    code, rows = _hunt_rows(["--rule", "bec-gift-card-request", "-c", str(PROFILE), "-j", "1", str(archive)])
    assert code == 1
    assert {r["path"].split("/")[-1] for r in rows} == {"00-ceo-giftcards.eml", "box.mbox#1"}
    assert all(r["rule"] == "bec-gift-card-request" and r["severity"] == "high" for r in rows)


def test_hunt_whole_pack_on_two_processes_matches_one(archive: Path) -> None:
    one = _hunt_rows(["-c", str(PROFILE), "-j", "1", str(archive)])[1]
    two = _hunt_rows(["-c", str(PROFILE), "-j", "2", str(archive)])[1]
    assert one == two
    rules = {(r["path"].split("/")[-1], r["rule"]) for r in one}
    assert ("02-script-attachment.eml", "payload-script-attachment") in rules
    assert ("03-ameli-lure.eml", "fr-ameli-lure") in rules
    assert not any(name == "04-ameli-legit.eml" for name, _ in rules)


def test_hunt_with_a_rule_file_and_no_match(archive: Path, tmp_path: Path) -> None:
    rule = tmp_path / "never.yaml"
    rule.write_text("""id: never
name: Never
description: {en: never, fr: jamais}
severity: low
tags: [T1566]
condition: subject == "this subject does not exist"
tests: {match: [a.eml], nomatch: [b.eml]}
""", encoding="utf-8")
    code, rows = _hunt_rows(["--rule", str(rule), "-j", "1", str(archive)])
    assert (code, rows) == (0, [])


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as c:
        yield str(c.scheduler_address)


def test_hunt_on_a_dask_cluster_gives_the_local_answer(archive: Path, cluster: str) -> None:
    config = load_config(PROFILE)
    job = Job.create(HUNT, config, select_rules(config))
    local = [(s.label, row.get("matches")) for s, row in run_job(job, iter_messages([str(archive)]))]
    remote = [(s.label, row.get("matches")) for s, row in
              run_job(job, iter_messages([str(archive)]), scheduler=cluster, batch=2)]
    assert remote == local
    assert any(m for _, m in remote)
    code, rows = _hunt_rows(["--rule", "fr-ameli-lure", "-c", str(PROFILE), "--scheduler", cluster, str(archive)])
    assert code == 1 and [r["rule"] for r in rows] == ["fr-ameli-lure"]


def test_scan_on_a_dask_cluster(archive: Path, cluster: str) -> None:
    sources = list(iter_messages([str(archive)]))
    results = list(scan_on_cluster(sources, str(PROFILE), "fr", cluster))
    assert [r.label for r in results] == [s.label for s in sources]
    by_name = {r.label.split("/")[-1]: r for r in results}
    assert by_name["00-ceo-giftcards.eml"].result is not None
    assert by_name["00-ceo-giftcards.eml"].result["verdict"] == "malicious"
    result = runner.invoke(app, ["scan", "--json", "-c", str(PROFILE), "--scheduler", cluster, str(archive)])
    assert result.exit_code == 1
    assert len([line for line in result.stdout.splitlines() if line.startswith("{")]) == len(sources)
