"""The display name against the sender's own domain (name plus lure words, or a look-alike of the name): the
functions alone, on any input; the findings on messages are in test_sender.py."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.analyzers.name_domain import imitated_name, name_plus_lure
from rempart.analyzers.sender import name_tokens

LURES = frozenset({"portail", "login", "app", "secure", "services", "paiement", "depot", "connexion", "sso"})


def test_name_plus_lure_reports_the_name_and_what_the_domain_adds() -> None:
    found = name_plus_lure(name_tokens("e-attestations"), "e-attestations-portail.com", LURES)
    assert found is not None and found.name == "eattestations" and found.added == ("portail",)
    assert name_plus_lure(name_tokens("Dashdoc"), "dashdoc-app.com", LURES) is None  # a product domain
    assert name_plus_lure(name_tokens("Dashdoc"), "dashdoc.com", LURES) is None


def test_imitated_name_reports_the_word_and_how_it_is_written() -> None:
    found = imitated_name(name_tokens("Nadia Ducret"), "boulangerie-ducrett.ch")
    assert found is not None and (found.word, found.written) == ("ducret", "ducrett")
    assert imitated_name(name_tokens("Nadia Ducret"), "boulangerie-ducret.ch") is None


@given(st.text(max_size=300), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.\u0430\u043e\u0456", max_size=80))
@settings(max_examples=300, deadline=None)
def test_any_display_name_and_domain_give_an_answer(name: str, domain: str) -> None:
    shown = name_tokens(name)
    plus = name_plus_lure(shown, domain, LURES)
    assert plus is None or (plus.added and all(w in LURES or w.rstrip("s") in LURES for w in plus.added))
    imitated = imitated_name(shown, domain)
    assert imitated is None or (imitated.word in shown and imitated.word != imitated.written)
