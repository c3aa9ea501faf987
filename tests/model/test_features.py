from rempart.config import Limits
from rempart.findings import Finding
from rempart.message.parse import parse_message
from rempart.model.features import Featurizer, analyzer_score, signal_features, usable_code

RAW = (b"From: a@example.org\r\nTo: b@example.com\r\nSubject: Rechnung\r\n\r\n"
       b"Sehr geehrte Kundin, bitte bezahlen Sie die Rechnung, die wir Ihnen mit der Post senden und die Sie "
       b"auf der Webseite finden, heute.\r\n")


def test_fingerprint_codes_are_not_features() -> None:
    findings = [Finding("auth.no_trusted_authserv", 0.1), Finding("message.defect.malformed_address", 0.1),
                Finding("sender.return_path_divergent", 0.1), Finding("links.shortener", 0.3),
                Finding("message.defect.hidden_html_text", 0.3)]
    feats = signal_features(findings, {})
    assert "code=links.shortener" in feats and "code=message.defect.hidden_html_text" in feats
    assert not any("authserv" in k or "malformed" in k or "return_path" in k for k in feats)
    assert not usable_code("message.defect.missing_date")


def test_analyzer_score_is_noisy_or_with_trust() -> None:
    assert abs(analyzer_score([Finding("a", 0.5), Finding("a", 0.2), Finding("b", 0.5)]) - 0.75) < 1e-9
    assert abs(analyzer_score([Finding("a", 0.5), Finding("t", -0.5)]) - 0.25) < 1e-9


def test_text_of_other_languages_is_left_out() -> None:
    message = parse_message(RAW, Limits())
    fz = Featurizer()
    extracted = fz.extract(message, [], {"from": {}, "urls": [], "attachments": []})
    assert extracted.language == "de" and extracted.text == ""
    row = fz.transform([extracted])
    assert row.shape == (1, fz.spec.n_features)
    assert row[:, fz.spec.signal_dims:].nnz == 0  # no word or character features


def test_text_rows_are_unit_length_and_empty_rows_stay_empty() -> None:
    import numpy as np

    from rempart.model.features import Extracted

    fz = Featurizer()
    rows = [Extracted({}, "please pay the invoice today", "en"), Extracted({}, "", ""),
            Extracted({"x": 1.0}, "merci de payer la facture", "fr")]
    matrix = fz.transform(rows)
    s = fz.spec.signal_dims
    words = matrix[:, s: s + fz.spec.word_dims]
    norms = np.sqrt(np.asarray(words.multiply(words).sum(axis=1)).ravel())
    assert np.allclose(norms, [1.0, 0.0, 1.0])
    assert np.array_equal(fz.transform(rows[:1]).toarray(), matrix[:1].toarray())  # a row never depends on others


def test_fast_margin_equals_the_matrix_product() -> None:
    import numpy as np

    from rempart.model.features import Extracted

    fz = Featurizer()
    coef = np.random.default_rng(1).normal(size=fz.spec.n_features)
    rows = [Extracted({"code=links.shortener": 0.3, "urls.none": 1.0}, "please pay the invoice the invoice", "en"),
            Extracted({}, "", ""), Extracted({"x": 1.0}, "merci de régler la facture aujourd'hui", "fr")]
    for row in rows:
        expected = float((fz.transform([row]) @ coef)[0])
        assert abs(fz.margin(row, coef) - expected) < 1e-9
