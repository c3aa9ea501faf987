"""Candidate passwords for encrypted attachments, read from the message text.

Attackers encrypt an archive or an Office file so that gateways cannot look inside, and write the
password in the body ("Mot de passe : 4512", "password: Inv2024", "code « FA-77 »"). Rempart
tries a bounded number of candidates: tokens right after a password word, then short quoted tokens.
"""

from __future__ import annotations

import re

MAX_CANDIDATES = 8
MAX_TEXT = 20_000  # characters of body read for candidates
_TOKEN = r"[«\"'“‘`]?\s*([^\s\"'«»“”‘’`<>]{3,40})"
_WORD = (
    r"(?i)\b(?:mots?\s+de\s+passe|mdp|password|passwort|passcode|pwd|code(?:\s+d['’]acc[eè]s)?"
    r"|contrase[ñn]a|senha|wachtwoord|kennwort|clave|cl[ée])"
)
# "mot de passe de l'archive : X", "password for the file is X" (a few words, then ':' or 'is')
_AFTER_WORD = re.compile(_WORD + r"[^\n:=]{0,40}?(?:[:=]|\b(?:is|est|ist|es|é)\b)\s*[:=]?\s*" + _TOKEN)
# "password X", "mdp X"
_RIGHT_AFTER = re.compile(_WORD + r"\s+" + _TOKEN)
_QUOTED = re.compile(r"[«\"“‘']\s*([^\s\"'«»“”‘’]{3,32})\s*[»\"”’']")
_STOP = frozenset(
    {
        "the",
        "est",
        "is",
        "pour",
        "for",
        "and",
        "vous",
        "your",
        "you",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "this",
        "that",
        "ci-dessous",
        "below",
        "suivant",
        "following",
        "ouvrir",
        "open",
        "fichier",
        "file",
    }
)
_TRAILING = ".,;:!?)]}»”’\"'"


def candidate_passwords(*texts: str) -> tuple[str, ...]:
    """At most ``MAX_CANDIDATES`` distinct candidates, strongest evidence first."""
    found: list[str] = []

    def keep(raw: str) -> None:
        for token in (raw.strip().rstrip(_TRAILING), raw.strip()):
            if (
                len(token) >= 3
                and token.lower() not in _STOP
                and token not in found
                and len(found) < MAX_CANDIDATES
            ):
                found.append(token)

    bounded = [t[:MAX_TEXT] for t in texts if t]
    for text in bounded:
        for match in _AFTER_WORD.finditer(text):
            keep(match.group(1))
    for text in bounded:
        for match in _RIGHT_AFTER.finditer(text):
            keep(match.group(1))
    for text in bounded:
        for match in _QUOTED.finditer(text):
            keep(match.group(1))
    return tuple(found)


# Only words that name a password: "code" and "clé" also introduce order numbers and activation keys.
_PASSWORD_WORD = r"(?i)\b(?:mots?\s+de\s+passe|mdp|password|passwort|kennwort|wachtwoord|contrase[ñn]a|senha)"
_STATED = re.compile(_PASSWORD_WORD + r"[^\n:=]{0,40}?(?:[:=]|\b(?:is|est|ist|es)\b)\s*[:=]?\s*" + _TOKEN)


def stated_password(*texts: str) -> str | None:
    """A password the message writes out ("mot de passe : LEF2026", "the password is Inv-77"), or None."""
    for text in texts:
        for match in _STATED.finditer(text[:MAX_TEXT]):
            token = match.group(1).strip().rstrip(_TRAILING)
            if len(token) >= 3 and token.lower() not in _STOP:
                return token
    return None
