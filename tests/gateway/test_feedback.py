"""Feedback e-mails: plain words in both languages, the signs of this very message, nothing internal."""

from __future__ import annotations

import pytest

from rempart.catalogue import Catalogue
from rempart.gateway.feedback import TOLD, Feedback, compose, compose_unreadable, signs, texts

REASONS = [
    {"code": "model.score", "weight": 0.6, "evidence": {}},
    {"code": "links.shown_brand_mismatch", "weight": 0.5,
     "evidence": {"shown": "https://login.microsoftonline.com", "target_name": "Microsoft",
                  "host": "evil.example"}},
    {"code": "rule.cred-password-expiry-lure", "weight": 0.4, "evidence": {},
     "texts": {"en": "Password expiry lure.", "fr": "Leurre d'expiration du mot de passe."}},
    {"code": "engine.analyzer_error", "weight": 0.05, "evidence": {}},
    {"code": "intent.pressure_deadline", "weight": 0.1, "evidence": {"phrases": "dans les 24 heures"}},
    {"code": "auth.trusted_vendor", "weight": -0.3, "evidence": {}},
]


def test_signs_skip_internal_and_trust_codes_and_keep_order() -> None:
    catalogue = Catalogue.load_shipped()
    found = signs(REASONS, "fr", catalogue, 3)
    assert len(found) == 3
    assert found[1] == "Leurre d'expiration du mot de passe."
    assert all("model" not in s and "analyzer" not in s and "?" not in s for s in found)
    assert signs(REASONS, "en", catalogue, 2)[1] == "Password expiry lure."


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("told", TOLD)
def test_every_verdict_has_words_in_both_languages(lang: str, told: str) -> None:
    mail = compose(Feedback("a@example.fr", told, "Sujet", signs=["un indice", "un autre"]), lang=lang,
                   sender="securite@example.fr", org="Cabinet")
    body = mail.get_content()
    assert texts()[lang]["verdict"][told].format(org="Cabinet") in body
    assert ("un indice" in body) == (told in ("malicious", "suspicious", "phishing_simulation"))
    assert mail["Auto-Submitted"] == "auto-replied"


def test_followup_and_unreadable() -> None:
    mail = compose(Feedback("a@example.fr", "malicious", "", followup=True, reported_on="14/01/2025"),
                   lang="fr", sender="securite@example.fr", org="")
    assert mail["Subject"] == "Suite de votre signalement : (sans objet)"
    assert "le 14/01/2025" in mail.get_content() and "votre entreprise" in mail.get_content()
    unreadable = compose_unreadable("a@example.fr", lang="en", sender="s@example.fr", org="ACME", in_reply_to="<x@y>")
    assert unreadable["In-Reply-To"] == "<x@y>" and "as an attachment" in unreadable.get_content()
