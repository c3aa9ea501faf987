from collections.abc import Iterable

import pytest

from rempart.analyzers.base import Context
from rempart.analyzers.registry import ANALYZERS
from rempart.config import Config
from rempart.engine import Engine, Level
from rempart.findings import Finding
from rempart.message.model import Message

RAW = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


def _boom(message: Message, context: Context) -> Iterable[Finding]:
    raise RuntimeError("analyzer bug")


def _odd(message: Message, context: Context) -> Iterable[Finding]:
    yield Finding("test.odd", 0.6, {"subject": message.subject})


def test_failing_analyzer_becomes_a_finding_and_scan_goes_on() -> None:
    engine = Engine(Config(), analyzers=[("boom", _boom), ("odd", _odd)])
    verdict = engine.scan(RAW)
    codes = [f.code for f in verdict.findings]
    assert "engine.analyzer_error" in codes and "test.odd" in codes
    error = next(f for f in verdict.findings if f.code == "engine.analyzer_error")
    assert error.evidence["analyzer"] == "boom"
    assert engine.analyzer_errors == 1
    assert verdict.level is Level.SUSPICIOUS


def test_scan_is_deterministic_and_timed() -> None:
    engine = Engine(Config())
    a, b = engine.scan(RAW), engine.scan(RAW)
    assert a.score == b.score and [f.code for f in a.findings] == [f.code for f in b.findings]
    assert {"parse", "total"} <= a.timings.keys()
    assert {name for name, _ in ANALYZERS} <= a.timings.keys()


def test_garbage_still_gets_a_verdict() -> None:
    engine = Engine(Config())
    for raw in (b"", b"\x00\xff" * 100, b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" * 50):
        verdict = engine.scan(raw)
        assert verdict.level in Level
        assert 0.0 <= verdict.score <= 1.0


def test_every_emitted_code_has_english_and_french_text() -> None:
    import importlib

    engine = Engine(Config())
    for name, analyze in ANALYZERS:
        module = importlib.import_module(analyze.__module__)
        for code in getattr(module, "CODES", ()):
            assert engine.catalogue.has(code, "en"), f"{name}: {code} lacks English text"
            assert engine.catalogue.has(code, "fr"), f"{name}: {code} lacks French text"
    assert engine.catalogue.has("engine.analyzer_error", "fr")


def test_soft_signals_alone_are_suspicious_not_malicious() -> None:
    def soft(message: Message, context: Context) -> Iterable[Finding]:
        yield from (Finding(f"test.soft{i}", 0.45) for i in range(4))

    def hard(message: Message, context: Context) -> Iterable[Finding]:
        yield Finding("test.hard", 0.75)

    only_soft = Engine(Config(), analyzers=[("soft", soft)]).scan(RAW)
    assert only_soft.score >= 0.8 and only_soft.level is Level.SUSPICIOUS
    with_hard = Engine(Config(), analyzers=[("soft", soft), ("hard", hard)]).scan(RAW)
    assert with_hard.level is Level.MALICIOUS


def test_a_lexicon_phrase_that_does_not_compile_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken phrase must fail the engine's start with its file and phrase, not every scan as an analyzer error
    (each scan would reload the lexicons and find no intent at all)."""


    from rempart.analyzers.intent_ import resources
    from rempart.analyzers.intent_.lexicon import LexiconError

    real = resources.load_yaml

    def broken(name: str) -> dict[str, list[str]]:
        data = dict(real(name))
        if name == "pressure.fr.yaml":
            data["threat"] = [*data["threat"], "(classee?s? sans suite)"]
        return data

    monkeypatch.setattr(resources, "load_yaml", broken)
    with pytest.raises(LexiconError, match="threat"):
        Engine(Config())


_FORWARDED_LURE = (
    "-------- Message transféré --------\r\n"
    "De : \"Cabinet Arnal\" <contact@cabinet-arnal.fr>\r\n"
    "Objet : Offre réservée à nos clients\r\n\r\n"
    "Réservez votre allocation depuis votre espace client : https://espace.cabinet-arnal-prive.com/reservation\r\n")


def _forward(own_words: str) -> bytes:
    return (f"From: Martine Kessler <martine.kessler@sfr.fr>\r\nTo: conseil@cabinet-arnal.fr\r\n"
            f"Subject: TR: Offre réservée à nos clients\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{own_words}\r\n\r\n{_FORWARDED_LURE}").encode()


def test_a_client_reporting_a_lure_reaches_the_reader() -> None:
    """A forward whose sender asks whether it is genuine is a report: the lure's evidence still scores, but the
    message must reach the adviser (suspicious), not be quarantined; the same lure forwarded without that doubt
    keeps its verdict."""
    def lookalike(message: Message, context: Context) -> Iterable[Finding]:
        yield Finding("test.lookalike_link", 0.9)  # hard evidence: a link to a look-alike of the firm's domain

    analyzers = [*ANALYZERS[:-1], ("lookalike", lookalike), ANALYZERS[-1]]
    engine = Engine(Config(), analyzers=analyzers)
    report = engine.scan(_forward("Bonjour, ça me paraît bizarre. Est-ce bien vous ? Je n'ai cliqué sur rien."))
    assert report.level is Level.SUSPICIOUS
    assert any(f.code == "intent.security_warning" and f.evidence["reported"] for f in report.findings)
    plain = engine.scan(_forward("Bonjour, voir ci-dessous."))
    assert plain.level is Level.MALICIOUS
