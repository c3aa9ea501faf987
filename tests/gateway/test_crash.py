"""Never lose mail: kill -9 the filter process mid-stream, restart it, count at the next hop and store."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.conftest import MESSAGES, message
from tests.gateway.stress import Campaign

CONFIG = """
[org]
name = "Cabinet Exemple"
domains = ["cabinet-example.fr"]

[model]
enabled = false

[gateway]
quarantine = true
retry_initial_seconds = 0.2
retry_max_seconds = 2.0
"""


def test_kill_9_mid_stream_loses_nothing(tmp_path: Path) -> None:
    config = tmp_path / "rempart.toml"
    config.write_text(CONFIG, encoding="utf-8")
    samples = [message(p.name) for p in sorted(MESSAGES.glob("*.eml"))]
    messages = [samples[i % len(samples)] for i in range(240)]
    result = Campaign(tmp_path, messages, kills=4, config=config).run(drain_timeout=180)
    print(result)
    assert result.kills == 4
    assert result.accepted == result.sent
    assert result.lost == []
    assert result.delivered_distinct + result.quarantined_distinct == result.sent
    assert result.quarantined_distinct > 0  # the phishing samples went to the store, not the next hop
    assert result.duplicate_cases == 0
    # at least once; a copy can only come from the microseconds between the next hop's 250 and the
    # done-log append, and is then byte-identical (same Message-ID, digest and X-Rempart-Id: the mailbox
    # drops it, see test_duplicate_suppression.py)
    assert result.identical_duplicates
    assert result.duplicates <= result.kills
    assert result.orphans == 0
