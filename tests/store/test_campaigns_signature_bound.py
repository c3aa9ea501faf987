"""The campaign signature must stay linear on hostile input (long non-blank runs)."""

import time

from rempart.store import campaigns


def test_address_masking_is_linear_on_a_long_run() -> None:
    hostile = "x" * 300_000 + "@example.org " + "y" * 300_000
    started = time.process_time()
    masked = campaigns._EMAIL.sub(" addr ", hostile)
    assert time.process_time() - started < 0.5
    assert "addr" in masked and "@" not in masked
    assert campaigns._EMAIL.sub(" addr ", "write to jo@example.fr today") == "write to  addr  today"
