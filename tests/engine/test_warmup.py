"""The warm-up at engine start: first-use structures are built before the first real message, and
nothing a caller can see (verdicts, counters) changes."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage

from rempart.analyzers.base import Context
from rempart.analyzers.registry import ANALYZERS
from rempart.config import Config
from rempart.engine import Engine
from rempart.engine.build import build_engine
from rempart.findings import Finding
from rempart.message.model import Message


def _message() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Direction <direction.generale@mail-exemple.com>"
    msg["To"] = "compta@entreprise-exemple.fr"
    msg["Subject"] = "Virement urgent et confidentiel"
    msg["Date"] = "Thu, 16 Oct 2025 08:05:00 +0200"
    msg["Message-ID"] = "<t-warm@mail-exemple.com>"
    msg.set_content("Bonjour, merci d'effectuer un virement de 18 400 euros aujourd'hui sur le nouvel IBAN "
                    "joint. Restez discret. Connectez-vous ici : http://198.51.100.7/banque/login")
    return msg.as_bytes()


def _strip(engine: Engine) -> tuple[object, ...]:
    verdict = engine.scan(_message())
    return (verdict.level, verdict.score, verdict.findings, verdict.rule_hits, verdict.model_score,
            [r.code for r in verdict.reasons])


def test_build_engine_warms_up_and_verdicts_do_not_change() -> None:
    warm = build_engine(Config())
    cold = build_engine(Config(), warm=False)
    assert len(warm.resources._cache) > len(cold.resources._cache)  # built at start, not on first use
    assert warm.analyzer_errors == 0
    assert _strip(warm) == _strip(cold)


def _failing(message: Message, context: Context) -> Iterable[Finding]:
    raise RuntimeError("analyzer bug")


def test_the_warm_up_leaves_counters_as_they_were() -> None:
    engine = Engine(Config(), analyzers=[*ANALYZERS, ("failing", _failing)])
    engine.warm_up()
    assert engine.analyzer_errors == 0
    engine.scan(_message())
    assert engine.analyzer_errors == 1
