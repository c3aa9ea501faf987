"""What a scan worker sends back is enough to keep the case exactly as from the whole verdict."""

from __future__ import annotations

import dataclasses

from rempart.config import Config
from rempart.engine.build import build_engine
from rempart.service.intake import new_case
from rempart.service.scanning import scan_with
from rempart.store.cases import pack_content
from tests.service.conftest import PHISH

CC = PHISH.replace(
    b"To: jeanne.martin@corp.fr\r\n", b"To: jeanne.martin@corp.fr\r\nCc: paul@corp.fr\r\nReply-To: x@ailleurs.fr\r\n"
)


def test_worker_outcome_keeps_the_same_case() -> None:
    engine = build_engine(Config())
    full = engine.scan(CC)
    outcome = scan_with(engine, CC, keep=True)
    assert outcome.content is not None and len(outcome.verdict.facts) < len(full.facts)
    slim = new_case(CC, outcome.verdict, outcome.signature, content=outcome.content)
    whole = new_case(CC, full, outcome.signature)
    skip = {"facts", "content"}
    for f in dataclasses.fields(whole):
        if f.name not in skip:
            assert getattr(slim, f.name) == getattr(whole, f.name), f.name
    assert ("cc", "paul@corp.fr") in slim.addresses and slim.received_at is not None
    assert outcome.content == pack_content(CC, dict(full.facts), [f.to_dict() for f in full.findings])
    assert scan_with(engine, CC).content is None and scan_with(engine, CC).verdict.facts == {}
