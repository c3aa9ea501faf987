"""The local pool keeps order, reports unreadable inputs, and survives a worker that dies."""

import gc
import os
from collections.abc import Iterable

from rempart.analyzers.base import Context
from rempart.config import Config
from rempart.engine import Engine
from rempart.findings import Finding
from rempart.hunt.local import scan_sources
from rempart.message.model import Message
from rempart.message.sources import Source


def _killer(message: Message, context: Context) -> Iterable[Finding]:
    if message.subject == "die":
        os._exit(3)  # a worker killed mid-scan (OOM killer, segfault in a native parser)
    yield Finding("test.seen", 0.1, {"subject": message.subject})


def _raw(subject: str) -> bytes:
    return f"From: a@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


def test_order_errors_and_a_dying_worker() -> None:
    engine = Engine(Config(), analyzers=[("killer", _killer)])
    sources = [Source(label=f"m{i}", raw=_raw("die" if i == 5 else f"s{i}"), error=None) for i in range(12)]
    sources.insert(3, Source(label="unreadable", raw=b"", error="cannot read"))
    results = list(scan_sources(sources, config_path=None, jobs=2, engine=engine))
    assert [r.label for r in results] == [s.label for s in sources]
    by_label = {r.label: r for r in results}
    assert by_label["unreadable"].error == "cannot read"
    assert by_label["m5"].result is None and "died" in (by_label["m5"].error or "")
    others = [r for r in results if r.label not in ("m5", "unreadable")]
    assert all(r.result is not None and r.result["findings"][0]["code"] == "test.seen" for r in others)


def test_a_long_lived_scan_keeps_its_engine_out_of_the_collectors_walks() -> None:
    """`rempart scan` builds one engine and keeps it: it is frozen (gc.freeze) so full collections do not
    walk its millions of objects again inside some message's scan; a plain call leaves the collector alone."""
    engine = Engine(Config(), analyzers=[("killer", _killer)])
    sources = [Source(label="m", raw=_raw("hello"), error=None)]
    gc.unfreeze()
    try:
        assert [r.result is not None for r in scan_sources(sources, config_path=None, engine=engine)] == [True]
        assert gc.get_freeze_count() == 0
        assert [r.result is not None for r in scan_sources(sources, config_path=None, engine=engine,
                                                             long_lived=True)] == [True]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # back into the oldest generation: this test process builds many engines
