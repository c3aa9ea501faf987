"""recipient_lookalike on its own: any sender domain and recipients give an answer, only reported techniques."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.analyzers.recipient_lookalike import WEIGHTS, recipient_lookalike

DOMAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", max_size=40)


@given(DOMAIN, st.lists(st.builds(lambda local, dom: f"{local}@{dom}", st.text(max_size=10), DOMAIN), max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_sender_and_recipients_give_an_answer(sender: str, recipients: list[str]) -> None:
    found = recipient_lookalike(sender, recipients, frozenset({"gmail.com"}))
    assert found is None or (found.technique in WEIGHTS and found.domain != found.recipient_domain)


def test_only_the_first_twenty_recipients_are_read() -> None:
    many = [f"user{i}@other{i}.example.org" for i in range(20)] + ["compta@maison-cazalis.fr"]
    assert recipient_lookalike("maison-cazaiis.fr", many, frozenset()) is None
    assert recipient_lookalike("maison-cazaiis.fr", many[-1:], frozenset()) is not None
