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


def test_hashed_columns_are_feature_hasher_columns() -> None:
    from sklearn.feature_extraction import FeatureHasher

    from rempart.model.features import hashed_columns

    names = ["pay", "the invoice", "zurlz", "é", " fa", "code=links.shortener"]
    expected = [int(FeatureHasher(2**18, input_type="string", alternate_sign=False).transform([[n]]).indices[0])
                for n in names]
    assert hashed_columns(names, 2**18).tolist() == expected


def test_scorer_caches_give_the_same_margin_twice_and_with_or_without_tokens() -> None:
    import numpy as np

    from rempart.config import Limits
    from rempart.message.parse import parse_message

    fz = Featurizer()
    coef = np.random.default_rng(2).normal(size=fz.spec.n_features)
    raw = (b"From: a@example.org\r\nTo: b@example.com\r\nSubject: Facture en retard\r\n\r\n"
           b"Bonjour, merci de regler la facture en retard avant ce soir, le virement est urgent pour nous.\r\n")
    row = fz.extract(parse_message(raw, Limits()), [], {"from": {}, "urls": [], "attachments": []})
    assert row.language == "fr" and row.tokens
    scorer = fz.scorer(coef)
    expected = float((fz.transform([row]) @ coef)[0])
    first, second = scorer.margin(row), scorer.margin(row)  # cold caches, then warm ones
    assert abs(first - expected) < 1e-9 and abs(second - expected) < 1e-9
    from dataclasses import replace

    assert abs(scorer.margin(replace(row, tokens=())) - expected) < 1e-9


def test_repeating_a_phrase_adds_nothing_to_the_word_block() -> None:
    from rempart.model.features import Extracted

    fz = Featurizer()
    once = fz.transform([Extracted({}, "pay the invoice", "en")])
    thrice = fz.transform([Extracted({}, "pay the invoice pay the invoice pay the invoice", "en")])
    s, w = fz.spec.signal_dims, fz.spec.word_dims
    # the repeats add only the bigram "invoice pay"; every other word n-gram is present once either way
    assert thrice[:, s: s + w].nnz == once[:, s: s + w].nnz + 1
