"""Reply-chain hijack seen without any profile: the reply's domain imitates the quoted conversation's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.analyzers import sender
from rempart.analyzers.base import Context, Resources
from rempart.analyzers.thread_senders import imitation, lookalike_of_thread, quoted_senders
from rempart.config import Config, Limits
from rempart.message.parse import parse_message

THREAD = (
    "petite correction sur la facture, on s'est trompé de RIB dessus.\n\n"
    "-----Message d'origine-----\n"
    "De : Electricité Morin <contact@electricite-morin.fr>\n"
    "Envoyé : vendredi 16 octobre 2026 17:22\n"
    "À : Marc Delaunay <marc.delaunay@valorbize.fr>\n\n"
    "> From: Marc Delaunay <marc.delaunay@valorbize.fr>\n"
    "> Sent: Friday\n"
)


def test_quoted_senders_in_outlook_and_quoted_forms() -> None:
    assert list(quoted_senders(THREAD)) == [
        ("contact@electricite-morin.fr", "electricite-morin.fr"), ("marc.delaunay@valorbize.fr", "valorbize.fr")]


@pytest.mark.parametrize(("domain", "quoted", "technique"), [
    ("electricite-morin.net", "electricite-morin.fr", "tld_swap"),
    ("electricite-rnorin.fr", "electricite-morin.fr", "homoglyph"),
    ("electricitemorin.fr", "electricite-morin.fr", "hyphenation"),
    ("electricite-morln.fr", "electricite-morin.fr", "homoglyph"),
    ("electricite-mourin.fr", "electricite-morin.fr", "edit_distance"),
    ("electricite-morin.fr", "electricite-morin.fr", ""),  # the same company replying
    ("valorbize.fr", "electricite-morin.fr", ""),  # another party of the thread
    ("acmee.fr", "acme.fr", ""),  # short names: one letter from another company's
])
def test_imitation(domain: str, quoted: str, technique: str) -> None:
    assert imitation(domain, quoted) == technique


def test_a_reply_from_an_imitation_of_the_quoted_domain_is_a_finding_with_no_profile() -> None:
    raw = (
        "From: Electricité Morin <contact@electricite-morin.net>\r\n"
        "To: Marc Delaunay <marc.delaunay@valorbize.fr>\r\n"
        "Subject: RE: facture 2026-1142\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + THREAD.replace("\n", "\r\n")
    ).encode("utf-8")
    config = Config()
    found = [f for f in sender.analyze(parse_message(raw, Limits()), Context(config, Resources(config)))
             if f.code == "sender.thread_lookalike"]
    assert len(found) == 1
    assert found[0].evidence["quoted_domain"] == "electricite-morin.fr"
    assert found[0].evidence["technique"] == "tld_swap"
    assert 0 < found[0].weight < sender.THREAD_LOOKALIKE  # another suffix weighs less than a misspelling
    genuine = raw.replace(b"contact@electricite-morin.net", b"contact@electricite-morin.fr")
    assert lookalike_of_thread("electricite-morin.fr", genuine.decode()) is None


@given(st.text(max_size=2000), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_body_and_domain_give_an_answer(body: str, domain: str) -> None:
    found = lookalike_of_thread(domain, body)
    assert found is None or found.technique in {"tld_swap", "homoglyph", "hyphenation", "edit_distance"}


def test_the_party_the_organisation_wrote_to_counts_as_a_thread_participant() -> None:
    """Our own earlier message is quoted: its "To:" line names the customer, who now "replies" from a look-alike."""
    body = ("Hi Lucie, please deliver to our secondary bond instead.\n\n"
            "From: Lucie Martin <lucie.martin@dubreuil-castaing.fr>\n"
            "Sent: 20 October 2026 10:02\n"
            "To: James Whitcombe <james.whitcombe@ashcombepryce.co.uk>\n"
            "Subject: PO AP-77841 – collection 28/10\n")
    found = lookalike_of_thread("ashcombe-pryce.co.uk", body)
    assert found is not None and found.quoted_domain == "ashcombepryce.co.uk" and found.technique == "hyphenation"
    assert lookalike_of_thread("ashcombepryce.co.uk", body) is None
