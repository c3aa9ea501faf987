"""The intent analyzer's speed paths give exactly what the plain paths give.

- phrases whose every match starts with one of their anchor words are tried with ``re.match`` at
  the anchor positions only; the hits must equal a windowed ``re.search`` of the same phrase;
- other phrases whose every match starts with one of a few known words are tried with ``re.match``
  where those words occur inside the anchors' windows; the hits must equal the windowed search;
- ``normalise`` skips the translation table for ASCII text; the result must equal the table's.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest

import rempart.rules
from rempart.analyzers.base import Resources
from rempart.analyzers.intent_.lexicon import NUMBER_KEY, PREFIX, WORD, Lexicon
from rempart.analyzers.intent_.resources import load_intent_data
from rempart.analyzers.intent_.text import _TABLE, build_scan_text, normalise
from rempart.analyzers.scam import load_scam_data
from rempart.config import Config, Limits
from rempart.message.parse import parse_message

# Messages written for the project: the test messages and the rule pack's match/nomatch messages.
MESSAGE_DIRS = (Path(__file__).parent.parent / "messages", Path(rempart.rules.__file__).parent / "pack" / "tests")

TEXTS = [
    "URGENT: your account will be suspended. Log in to the portal linked below within 24 hours.",
    "Connectez-vous immédiatement à votre espace et confirmez vos identifiants avant 16h.",
    "Merci de mettre à jour nos coordonnées bancaires : notre nouveau RIB est joint. Ne pas en parler.",
    "Are you available? I need you to buy 5 Apple gift cards and send me the codes. Keep it between us.",
    "Please do not click the link below; we will never ask for your password.",
    "Nos coordonnées bancaires sont inchangées. Virement à effectuer sur le compte habituel.",
    "Call us at +33 1 23 45 67 89 to cancel the renewal of your Norton subscription (order #4412).",
    "urgenturgent urgent-urgent sign-in signin re-activate reactivate e-mail email",
    "Bitte bestätigen Sie Ihre Zahlungsdaten über den folgenden Link. Klicken Sie hier.",
    "",
]


def _plain(lexicon: Lexicon) -> Lexicon:
    """The same lexicon with the re.match paths turned off (every phrase searched in windows)."""
    plain = copy.copy(lexicon)
    plain.phrases = [dataclasses.replace(p, starts_at_anchor=False, start_keys=None) for p in lexicon.phrases]
    return plain


def _texts() -> list[str]:
    texts = [normalise(t) for t in TEXTS]
    for path in sorted(p for folder in MESSAGE_DIRS for p in folder.rglob("*.eml")):
        message = parse_message(path.read_bytes(), Limits())
        texts.append(build_scan_text(message.subject, message.body_text).norm)
    return texts


@pytest.mark.parametrize("index", [0, 1])
def test_phrases_tried_at_their_anchors_find_what_a_search_finds(index: int) -> None:
    lexicon = _lexicons()[index]
    assert any(p.starts_at_anchor for p in lexicon.phrases)
    assert any(p.start_keys for p in lexicon.phrases)
    assert not all(p.starts_at_anchor for p in lexicon.phrases if p.anchors is not None)
    plain = _plain(lexicon)
    texts = _texts()
    assert len(texts) > 100
    for text in texts:
        assert lexicon.find(text) == plain.find(text), text[:200]


def test_ascii_fast_path_of_normalise_equals_the_table() -> None:
    for text in [*TEXTS, "Tab\there `quoted` MIXED Case", "\t`", "ÉCOLE – l’été", *_texts()[:40]]:
        by_table = text.translate(_TABLE).lower()
        assert normalise(text) == by_table


def _walked_positions(lexicon: Lexicon, text: str) -> dict[str, list[int]]:
    """Anchor positions found by walking every word with ``WORD.finditer`` (the plain path)."""
    positions: dict[str, list[int]] = {}
    for m in WORD.finditer(text):
        word = m.group()
        if word in lexicon.by_word:
            positions.setdefault(word, []).append(m.start())
        key = lexicon.prefix_keys.get(word[:PREFIX]) if len(word) >= PREFIX else None
        if key is not None:
            positions.setdefault(key, []).append(m.start())
        if NUMBER_KEY in lexicon.by_word and re.match(r"\d", word):
            positions.setdefault(NUMBER_KEY, []).append(m.start())
    return positions


def _lexicons() -> list[Lexicon]:
    """The intent lexicon and the scam analyzer's (phrases starting with a number: ``NUMBER_KEY``)."""
    scam = load_scam_data(Resources(Config())).lexicon
    assert NUMBER_KEY in scam.by_word
    return [load_intent_data().lexicon, scam]


@pytest.mark.parametrize("index", [0, 1])
def test_anchor_positions_equal_a_walk_over_every_word(index: int) -> None:
    lexicon = _lexicons()[index]
    extra = ["urgentissime urgent_urgent _urgent urgent2 2urgent", "12 kg in 3 weeks \u0663 x\u00b2 \u00b2x",
             "été urgent – ÉTÉ urgentes\u00a0urgent",
             "compte\u0301 urgent x" * 3, "____", "   ", "a"]
    for text in [*_texts(), *[normalise(t) for t in extra], *extra]:
        assert list(lexicon.anchor_positions(text).items()) == list(_walked_positions(lexicon, text).items()), \
            text[:200]


def test_scan_text_is_shared_and_immutable() -> None:
    first = build_scan_text("Objet", "Merci de régler la facture ci-jointe.")
    assert build_scan_text("Objet", "Merci de régler la facture ci-jointe.") is first
    assert dataclasses.is_dataclass(first)
    try:
        first.norm = ""  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("ScanText must stay immutable: it is shared between analyzers")
