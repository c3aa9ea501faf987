"""Passwords for encrypted attachments, read from the body."""

from __future__ import annotations

import pytest

from rempart.analyzers.payload.passwords import MAX_CANDIDATES, candidate_passwords


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mot de passe : Fact2024", "Fact2024"),
        ("Le mot de passe de l'archive est 7781.", "7781"),
        ("Le mot de passe est « XK-221 ».", "XK-221"),
        ("mdp: az12!", "az12!"),
        ("Password: inv-4421", "inv-4421"),
        ("The password for the file is Secret99", "Secret99"),
        ("pwd=abc123", "abc123"),
        ("Code d'accès : 5512", "5512"),
        ("Senha do PDF: 123", "123"),
        ('Utilisez "Bx-77" pour ouvrir le fichier.', "Bx-77"),
    ],
)
def test_candidates(text: str, expected: str) -> None:
    assert expected in candidate_passwords(text)


def test_bounded_and_distinct() -> None:
    text = " ".join(f"password: tok{i}" for i in range(50))
    found = candidate_passwords(text, text)
    assert len(found) == MAX_CANDIDATES and len(set(found)) == len(found)


def test_nothing_in_ordinary_mail() -> None:
    assert candidate_passwords("Bonjour, voici le compte rendu de la réunion de lundi.") == ()
