from __future__ import annotations

import tomllib
from importlib import resources

from rempart.analyzers import parse_defects
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.registry import ANALYZERS
from rempart.config import Config, Limits
from rempart.message.parse import parse_message


def findings(raw: bytes) -> dict[str, object]:
    config = Config()
    message = parse_message(raw, Limits())
    return {f.code: f for f in parse_defects.analyze(message, Context(config, Resources(config)))}


def test_duplicate_from_is_a_real_signal() -> None:
    found = findings(
        b"From: pdg@rempart.test\nFrom: x@evil.example\nDate: Mon, 10 Mar 2025 10:00:00 +0100\n"
        b"Message-ID: <a@b>\n\nbody"
    )
    assert list(found) == ["message.defect.duplicate_from"]
    finding = found["message.defect.duplicate_from"]
    assert finding.weight == 0.4  # type: ignore[attr-defined]
    assert finding.evidence["detail"] == "from: 2"  # type: ignore[attr-defined]


def test_one_finding_per_code_with_count_and_parts() -> None:
    parts = "".join(
        "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nQUJD!\n" for _ in range(3)
    )
    raw = (
        f"From: a@example.fr\nDate: Mon, 10 Mar 2025 10:00:00 +0100\nMessage-ID: <a@b>\n"
        f"Content-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n"
    ).encode()
    found = findings(raw)
    bad = found["message.defect.bad_base64"]
    assert bad.evidence["count"] == 3 and bad.evidence["parts"] == ["1", "2", "3"]  # type: ignore[attr-defined]
    assert bad.weight <= 0.1  # type: ignore[attr-defined]


def test_clean_message_has_no_findings() -> None:
    assert (
        findings(b"From: a@example.fr\nDate: Mon, 10 Mar 2025 10:00:00 +0100\nMessage-ID: <a@b>\n\nhello")
        == {}
    )


def test_registered_first() -> None:
    assert ANALYZERS[0] == (parse_defects.NAME, parse_defects.analyze)


def test_every_code_has_english_and_french_text() -> None:
    text = resources.files("rempart.catalogue").joinpath("data/message.toml").read_text(encoding="utf-8")
    catalogue = tomllib.loads(text)
    for code in parse_defects.CODES:
        assert catalogue[code]["en"] and catalogue[code]["fr"], code
    assert all(0.0 <= w <= 1.0 for w in parse_defects.WEIGHTS.values())


def test_every_defect_the_parser_emits_is_known() -> None:
    import re
    from pathlib import Path

    import rempart.message

    folder = Path(rempart.message.__file__).parent
    emitted: set[str] = set()
    for source in folder.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        emitted |= set(re.findall(r'(?:defect|ParseDefect|defects\.append)\(\s*"([a-z_0-9]+)"', text))
        emitted |= set(re.findall(r'defects\.append\("([a-z_0-9]+)"\)', text))
    emitted |= {
        "wrong_charset",
        "unknown_charset",
        "missing_charset",
        "duplicate_from",
        "duplicate_header",
        "missing_from",
        "missing_date",
        "missing_message_id",
    }
    assert emitted <= set(parse_defects.WEIGHTS), emitted - set(parse_defects.WEIGHTS)
