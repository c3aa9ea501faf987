"""The bounded worker: a hanging, memory-hungry or crashing parser costs one attachment, never the engine."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from rempart.analyzers.payload.sandbox import Sandbox


def _handler(header: dict[str, Any], name: str, data: bytes) -> dict[str, Any]:
    if name == "hang":
        while True:  # a parser stuck in a loop
            pass
    if name == "hog":
        hoard = []
        while True:  # an allocation bomb
            hoard.append(bytearray(16 * 1024 * 1024))
    if name == "die":
        os.kill(os.getpid(), signal.SIGKILL)  # what a crash in native code looks like from outside
    if name == "boom":
        raise ValueError("parser bug")
    return {"pid": os.getpid(), "size": len(data), "passwords": header.get("passwords", [])}


def test_results_come_back_in_order_and_the_worker_is_reused() -> None:
    sandbox = Sandbox(_handler, memory_mb=256)
    try:
        first = sandbox.run({"passwords": ["x"]}, [("a", b"12"), ("b", b"345")], 5.0)
        second = sandbox.run({}, [("c", b"")], 5.0)
    finally:
        sandbox.close()
    assert [o.status for o in first] == ["ok", "ok"]
    assert [o.result["size"] for o in first] == [2, 3]
    assert first[0].result["passwords"] == ["x"]
    assert first[0].result["pid"] != os.getpid()  # analysed in another process
    assert second[0].result["pid"] == first[0].result["pid"]


def test_a_hanging_parser_is_killed_at_the_deadline() -> None:
    sandbox = Sandbox(_handler, memory_mb=256)
    started = time.monotonic()
    try:
        outcomes = sandbox.run({}, [("a", b""), ("hang", b""), ("c", b"")], 1.0)
        after = sandbox.run({}, [("d", b"")], 5.0)  # a fresh worker serves the next message
    finally:
        sandbox.close()
    assert time.monotonic() - started < 4.0
    assert [o.status for o in outcomes] == ["ok", "timeout", "skipped"]
    assert after[0].status == "ok"


def test_memory_exhaustion_is_a_limit_and_the_next_file_is_still_analysed() -> None:
    sandbox = Sandbox(_handler, memory_mb=128)
    try:
        outcomes = sandbox.run({}, [("hog", b""), ("b", b"x")], 20.0)
    finally:
        sandbox.close()
    assert outcomes[0].status == "limit" and outcomes[0].detail == "memory"
    assert outcomes[1].status == "ok"


def test_a_crashing_worker_is_replaced_for_the_remaining_files() -> None:
    sandbox = Sandbox(_handler, memory_mb=256)
    try:
        outcomes = sandbox.run({}, [("die", b""), ("boom", b""), ("c", b"")], 5.0)
    finally:
        sandbox.close()
    assert [o.status for o in outcomes] == ["limit", "error", "ok"]
    assert "ValueError" in outcomes[1].detail


def test_a_forked_copy_of_the_engine_gets_its_own_worker() -> None:
    sandbox = Sandbox(_handler, memory_mb=256)
    try:
        parent_pid = sandbox.run({}, [("a", b"")], 5.0)[0].result["pid"]
        read_fd, write_fd = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the forked copy
            pid = sandbox.run({}, [("a", b"")], 5.0)[0].result.get("pid", 0)
            os.write(write_fd, str(pid).encode())
            os._exit(0)
        os.close(write_fd)
        child_worker = int(os.read(read_fd, 64) or b"0")
        os.close(read_fd)
        os.waitpid(child, 0)
        assert child_worker not in (0, parent_pid)
        assert sandbox.run({}, [("a", b"")], 5.0)[0].result["pid"] == parent_pid  # the parent's still works
    finally:
        sandbox.close()


def test_the_worker_does_not_keep_the_engines_open_files(tmp_path: Path) -> None:
    with open(tmp_path / "engine-secret.db", "wb") as secret:

        def handler(header: dict[str, Any], name: str, data: bytes) -> dict[str, Any]:
            try:
                os.fstat(secret.fileno())
            except OSError:
                return {"reachable": False}
            return {"reachable": True}

        sandbox = Sandbox(handler, memory_mb=256)
        try:
            outcome = sandbox.run({}, [("a", b"")], 5.0)[0]
        finally:
            sandbox.close()
    assert outcome.status == "ok" and outcome.result == {"reachable": False}
