"""The spool's crash rules: what survives, what is forgotten, what counts as already accepted."""

from __future__ import annotations

import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rempart.gateway.spool import Spool, SpoolEntry, message_key

RAW = b"Message-ID: <1@example.org>\r\nSubject: hi\r\n\r\nbody\r\n"


def entry(key: str, content: bytes = RAW) -> SpoolEntry:
    return SpoolEntry(key, "deliver", "a@example.org", ("b@example.org",), content, ("BODY=8BITMIME",),
                      {"case": {"level": "malicious"}}, 1.5)


def test_key_names_message_and_envelope() -> None:
    key = message_key(RAW, "a@example.org", ["b@example.org", "c@example.org"])
    assert key == message_key(RAW, "A@example.org", ["c@example.org", "b@example.org"])
    assert key != message_key(RAW, "a@example.org", ["b@example.org"])  # another recipient batch
    assert key != message_key(RAW + b"x", "a@example.org", ["b@example.org", "c@example.org"])
    assert len(key) == 64


def test_entry_round_trip_and_recovery(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    assert spool.recover() == []
    first, second = entry("a" * 64), entry("b" * 64, b"\x00\xff binary \r\n.\r\n")
    spool.put(first)
    spool.put(second)
    assert spool.load(second.key) == second
    assert spool.seen(first.key) and spool.queued_count() == 2
    (tmp_path / "tmp" / "half-written").write_bytes(b"RSPOOL1\n{")  # a crash mid-write
    spool.mark_done(first.key)
    spool.close()
    restarted = Spool(tmp_path)
    assert restarted.recover() == [second.key]
    assert restarted.seen(first.key)  # handed on: a retry of it is a duplicate
    assert list((tmp_path / "tmp").iterdir()) == []


def test_done_logged_but_not_yet_unlinked_is_not_redelivered(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.recover()
    spool.put(entry("c" * 64))
    (tmp_path / "done").mkdir(exist_ok=True)
    (tmp_path / "done" / "2099010100.log").write_text("c" * 64 + "\n" + "torn-li")  # crash after the log write
    restarted = Spool(tmp_path)
    assert restarted.recover() == []
    assert not (tmp_path / "queue" / ("c" * 64)).exists()


def test_failed_entries_are_kept_with_their_reason(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.recover()
    spool.put(entry("d" * 64))
    spool.mark_failed("d" * 64, "554 5.7.1 no")
    assert (tmp_path / "failed" / ("d" * 64)).exists()
    assert (tmp_path / "failed" / f"{'d' * 64}.reason").read_text() == "554 5.7.1 no\n"
    assert Spool(tmp_path).recover() == []


def test_old_keys_are_forgotten_after_the_window(tmp_path: Path) -> None:
    (tmp_path / "done").mkdir(parents=True)
    (tmp_path / "done" / "2000010100.log").write_text("e" * 64 + "\n")
    spool = Spool(tmp_path, dedup_window_hours=1)
    spool.recover()
    assert not spool.seen("e" * 64)
    assert not (tmp_path / "done" / "2000010100.log").exists()


def test_entries_written_together_share_directory_fsyncs(tmp_path: Path, monkeypatch: Any) -> None:
    """Group commit: every put returns only after a directory fsync that started after its rename, and
    puts running at the same time share those fsyncs."""
    spool = Spool(tmp_path)
    spool.recover()
    renamed: dict[str, float] = {}
    dir_syncs: list[tuple[float, float]] = []
    real_rename, real_fsync = os.rename, os.fsync

    def rename(src: Any, dst: Any) -> None:
        real_rename(src, dst)
        renamed[Path(dst).name] = time.monotonic()

    def fsync(fd: int) -> None:
        start = time.monotonic()
        real_fsync(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            time.sleep(0.003)  # a slow disk: puts pile up behind the directory fsync
            dir_syncs.append((start, time.monotonic()))

    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "fsync", fsync)
    returned: dict[str, float] = {}

    def put(key: str) -> None:
        spool.put(entry(key))
        returned[key] = time.monotonic()

    keys = [f"{i:064x}" for i in range(96)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, keys))
    assert spool.puts == len(keys)
    assert spool.dir_syncs == len(dir_syncs) < len(keys) / 2
    for key in keys:
        assert any(renamed[key] <= start and end <= returned[key] for start, end in dir_syncs), key
    assert sorted(Spool(tmp_path).recover()) == sorted(keys)
