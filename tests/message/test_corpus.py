"""parse_message over the whole development corpus, when it is present on this machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.config import Limits
from rempart.message.parse import parse_message

CORPUS = Path("/work/shared/corpus/dev")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"development corpus not present at {CORPUS}")
def test_dev_corpus_parses_and_from_is_read() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert files
    with_from = 0
    for path in files:
        message = parse_message(path.read_bytes(), Limits())
        assert not [d for d in message.defects if d.code == "parser_error"], path.name
        with_from += bool(message.from_ and message.from_[0].address)
    assert with_from / len(files) >= 0.99
