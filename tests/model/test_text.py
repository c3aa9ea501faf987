from email.message import EmailMessage

from rempart.config import Limits
from rempart.message.parse import parse_message
from rempart.model.text import body_hash, guess_language, neutral_text, own_words


def _parse(subject: str, body: str, to: str = "jeanne.martin@acme-industrie.fr") -> object:
    m = EmailMessage()
    m["From"] = "x@example.org"
    m["To"] = to
    m["Subject"] = subject
    m.set_content(body)
    return parse_message(bytes(m), Limits())


def test_fingerprints_are_masked() -> None:
    msg = _parse("Re: [ksummit-discuss] Facture 2024-118",
                 "Bonjour jeanne, voir https://lfdr.de/x?y=1 ou phishing@pot, spamassassin.taint.org le 12/03/2002.")
    text = neutral_text(msg)  # type: ignore[arg-type]
    for leaked in ("lfdr", "pot", "taint", "2002", "ksummit", "re:", "jeanne", "118"):
        assert leaked not in text
    assert "zurlz" in text and "zemailz" in text and "zdomainz" in text and "znumz" in text and "zrcptz" in text


def test_quoted_history_and_signature_are_dropped() -> None:
    body = "My own words here.\nOn Mon, Bob wrote:\n> quoted line\n> more\n-- \nBob, Linux hacker\n"
    assert own_words(body).strip() == "My own words here."


def test_accents_folded_and_language_guessed() -> None:
    fr = _parse("Virement urgent", "Bonjour, merci de procéder au virement pour notre fournisseur avec votre "
                "validation dans la journée. Cordialement")
    text = neutral_text(fr)  # type: ignore[arg-type]
    assert "procede" in text
    assert guess_language(text) == "fr"
    assert guess_language("please confirm that the invoice is paid and that you have the file for the team") == "en"
    assert guess_language("bitte bestätigen Sie die Zahlung, die wir mit Ihnen und der Bank besprochen haben") == "de"
    assert guess_language("ok") == ""


def test_body_hash_ignores_numbers_and_spacing() -> None:
    assert body_hash("pay znumz now  please") == body_hash("pay znumz now please")
    assert body_hash("pay now") != body_hash("pay later")


def test_language_of_tokens_matches_guess_language() -> None:
    from rempart.model.text import WORD_PATTERN, language_of

    for text in ("merci de bien vouloir regler la facture dans la journee et de nous le confirmer",
                 "please confirm that the invoice is paid and that you have the file for the team", "ok"):
        assert language_of(WORD_PATTERN.findall(text)) == guess_language(text)
