"""Features: what the analyzers found, the facts about identity, links and attachments, and neutral text.

Three hashed blocks, all stateless (nothing to fit, nothing vocabulary-shaped to ship):

- *signals*: every finding code with its weight (the strongest per code, as the fusion counts it), the
  strongest weight per family (``links``, ``sender``, ``intent``…), the analyzers' own noisy-OR score, and
  facts about the sender against the organisation, the links and the attachments;
- *words*: word 1–2-grams of the neutralised text (``rempart.model.text``);
- *chars*: character 3–5-grams of the text's distinct words (padded, like ``char_wb``), which carry French
  inflections and English compounds alike without being about spelling mistakes.

Each text block is L2-normalised per message. Hashing is done by scikit-learn's ``FeatureHasher``
(MurmurHash3), so the same token always lands in the same column, in training and at scan time.

Text blocks are left empty when the text's language is neither English nor French (the training mail has
both classes only in those two), so "German or Portuguese ⇒ phishing" cannot be learned from text.

Source fingerprints (see the corpus MANIFEST, "Traps") never reach the features: no header is read
directly; finding codes that only say how a corpus was collected (``EXCLUDED_CODES``) are dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction import FeatureHasher

from rempart.findings import Finding
from rempart.message.model import Message
from rempart.model.text import TEXT_LANGUAGES, TEXT_LIMIT, guess_language, neutral_text

FEATURES_VERSION = 2

# Codes that describe how a message was collected or relayed rather than what it does: an
# Authentication-Results header we do not trust (present in ~99 % of honeypot mail, absent from 2002
# archives), header defects of anonymised or text-only corpora (``phishing@pot`` is a malformed address;
# the Unix "From " line of mbox archives), mailing-list Return-Path and Sender headers (90 % of list ham,
# 0 % of the LLM-written mail), replies quoting a thread (90 % of list ham, no phishing: the model reads
# neither quotes nor "Re:" either) and the detected language (the language confound).
EXCLUDED_CODES = frozenset({
    "auth.no_trusted_authserv",
    "auth.no_trusted_results",
    "auth.dkim_unverified",
    "sender.return_path_divergent",
    "sender.sender_header_divergent",
    "intent.language",
    "intent.thread_context",
    "engine.analyzer_error",
    # the honeypot anonymised senders to ``phishing@pot`` (no public suffix): most of this code's dev hits
    "sender.invalid_from_domain",
})
EXCLUDED_PREFIXES = ("message.defect.",)
KEPT_DESPITE_PREFIX = frozenset({"message.defect.hidden_html_text"})  # a filter-evasion trick, not a fingerprint


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How features are built; stored in the artifact so a model is always read the way it was trained."""

    version: int = FEATURES_VERSION
    signal_dims: int = 2**12
    word_dims: int = 2**18
    char_dims: int = 2**18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    text_limit: int = TEXT_LIMIT
    char_limit: int = 3000  # characters of text whose distinct words give character n-grams

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        known: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
                                 if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def n_features(self) -> int:
        return self.signal_dims + self.word_dims + self.char_dims


@dataclass(frozen=True, slots=True)
class Extracted:
    """One message's features before hashing (kept small: training caches a list of these)."""

    signals: dict[str, float]
    text: str  # neutralised; "" when the language is not one the text features are trained for
    language: str


def usable_code(code: str) -> bool:
    if code in KEPT_DESPITE_PREFIX:
        return True
    return code not in EXCLUDED_CODES and not code.startswith(EXCLUDED_PREFIXES)


def analyzer_score(findings: Sequence[Finding]) -> float:
    """Noisy-OR of the strongest positive weight per code, damped by trust findings (as the fusion does)."""
    best: dict[str, float] = {}
    for f in findings:
        if abs(f.weight) > abs(best.get(f.code, 0.0)):
            best[f.code] = f.weight
    keep, damp = 1.0, 1.0
    for w in best.values():
        if w > 0:
            keep *= 1.0 - min(w, 1.0)
        elif w < 0:
            damp *= 1.0 + max(w, -1.0)
    return (1.0 - keep) * damp


def _log_scale(n: int, cap: int) -> float:
    return math.log1p(min(n, cap)) / math.log1p(cap)


def signal_features(findings: Sequence[Finding], facts: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    usable = [f for f in findings if usable_code(f.code) and f.weight != 0]
    for f in usable:
        key = f"code={f.code}"
        if abs(f.weight) > abs(out.get(key, 0.0)):
            out[key] = float(f.weight)
        fam = f"family={f.code.split('.', 1)[0]}"
        out[fam] = max(out.get(fam, 0.0), float(f.weight))
    out["analyzer_score"] = analyzer_score(usable)
    out["n_codes"] = min(len({f.code for f in usable if f.weight > 0}), 10) / 10.0
    sender = facts.get("from", {}) or {}
    for flag in ("is_org", "is_vendor", "is_freemail"):
        if sender.get(flag):
            out[f"from.{flag}"] = 1.0
    for key in ("impersonates", "lookalike_of"):
        if sender.get(key):
            out[f"from.{key}={sender[key]}"] = 1.0
    if not sender.get("address"):
        out["from.no_address"] = 1.0
    from_domain = str(sender.get("registered_domain", ""))
    reply_domains = {str(a.get("registered_domain", "")) for a in facts.get("reply_to", []) or []}
    if reply_domains and from_domain not in reply_domains:
        out["reply_to.other_domain"] = 1.0
    urls = [u for u in facts.get("urls", []) or [] if u.get("origin") != "header"]
    if urls:
        domains = {str(u.get("domain", "")) for u in urls}
        out["urls.count"] = _log_scale(len(urls), 100)
        out["urls.domains"] = _log_scale(len(domains), 30)
        aligned = sum(1 for u in urls if from_domain and u.get("domain") == from_domain)
        out["urls.share_sender_domain"] = aligned / len(urls)
        out["urls.share_org"] = sum(1 for u in urls if u.get("is_org")) / len(urls)
        out["urls.with_findings"] = sum(1 for u in urls if u.get("findings")) / len(urls)
        if any(u.get("origin") == "form_action" for u in urls):
            out["urls.form_action"] = 1.0
        if any(u.get("scheme") == "http" for u in urls):
            out["urls.plain_http"] = 1.0
    else:
        out["urls.none"] = 1.0
    attachments = [a for a in facts.get("attachments", []) or [] if not a.get("inline")]
    if attachments:
        out["attachments.count"] = _log_scale(len(attachments), 10)
        for a in attachments:
            ext = str(a.get("extension", ""))[:8]
            out[f"attachment.ext={ext or 'none'}"] = 1.0
            for flag in ("macros", "encrypted"):
                if a.get(flag):
                    out[f"attachment.{flag}"] = 1.0
            if a.get("members"):
                out["attachment.archive"] = 1.0
            if a.get("findings"):
                out["attachment.with_findings"] = 1.0
    return out


_WORD = re.compile(r"[^\W\d_]{2,}")

try:  # the hashing kernel behind FeatureHasher, called directly on one message (no sparse-matrix overhead)
    from sklearn.feature_extraction._hashing_fast import transform as _hashing_kernel
except ImportError:  # pragma: no cover - another scikit-learn layout: the generic path below is used
    _hashing_kernel = None


def _hashed_dot(items: Iterable[tuple[str, float]], n_features: int, coef: NDArray[np.floating[Any]],
                normalise: bool) -> float:
    """Σ coef[h(name)] · value over one message's items, optionally L2-normalised: the dot product of
    ``coef`` with the row ``FeatureHasher`` (+ ``_l2_rows``) would build, without building it."""
    indices, _, values = _hashing_kernel([items], n_features, np.float64, False, seed=0)
    if len(indices) == 0:
        return 0.0
    dot = float(np.dot(coef[indices].astype(np.float64), values))
    if not normalise:
        return dot
    _, inverse = np.unique(indices, return_inverse=True)
    summed = np.bincount(inverse, weights=values)
    norm = float(np.sqrt(np.dot(summed, summed)))
    return dot / norm if norm > 0 else 0.0


@lru_cache(maxsize=65536)
def _char_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i: i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1))


def text_tokens(text: str, spec: FeatureSpec) -> tuple[list[str], list[str]]:
    """Word n-grams of the text, and character n-grams of its distinct words (each word padded with spaces,
    like ``char_wb``; cached per word, so common vocabulary costs nothing)."""
    tokens = _WORD.findall(text)
    low, high = spec.word_ngrams
    words: list[str] = []
    for n in range(low, high + 1):
        if n == 1:
            words.extend(tokens)
        else:
            words.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)), strict=False)))
    chars: list[str] = []
    head = tokens if len(text) <= spec.char_limit else _WORD.findall(text[: spec.char_limit])
    for token in dict.fromkeys(head):
        chars.extend(_char_grams(token, *spec.char_ngrams))
    return words, chars


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row to unit length in place (plain numpy on the CSR arrays: cheap for a single row)."""
    lengths = np.diff(matrix.indptr)
    sums = np.zeros(matrix.shape[0])
    filled = lengths > 0
    if filled.any():
        sums[filled] = np.add.reduceat(matrix.data * matrix.data, matrix.indptr[:-1][filled])
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    matrix.data = matrix.data / np.repeat(norms, lengths)
    return matrix


class Featurizer:
    """Turns (message, findings, facts) into one sparse row; built once per engine (hashers are stateless)."""

    def __init__(self, spec: FeatureSpec | None = None) -> None:
        self.spec = spec or FeatureSpec()
        s = self.spec
        self._signals = FeatureHasher(n_features=s.signal_dims, input_type="dict", alternate_sign=False)
        self._words = FeatureHasher(n_features=s.word_dims, input_type="string", alternate_sign=False)
        self._chars = FeatureHasher(n_features=s.char_dims, input_type="string", alternate_sign=False)

    def extract(self, message: Message, findings: Sequence[Finding], facts: Mapping[str, Any]) -> Extracted:
        text = neutral_text(message, self.spec.text_limit)
        language = guess_language(text)
        usable_text = text if (language in TEXT_LANGUAGES or language == "") else ""
        return Extracted(signal_features(findings, facts), usable_text, language)

    def margin(self, row: Extracted, coef: NDArray[np.floating[Any]]) -> float:
        """``transform([row]) @ coef`` for one message, computed directly (the scan-time path)."""
        if _hashing_kernel is None:
            return float((self.transform([row]) @ coef)[0])
        s = self.spec
        words, chars = text_tokens(row.text, s)
        w0, c0 = s.signal_dims, s.signal_dims + s.word_dims
        return (_hashed_dot(iter(row.signals.items()), s.signal_dims, coef[:w0], False)
                + _hashed_dot(zip(words, repeat(1.0)), s.word_dims, coef[w0:c0], True)
                + _hashed_dot(zip(chars, repeat(1.0)), s.char_dims, coef[c0:], True))

    def transform(self, rows: Sequence[Extracted]) -> sp.csr_matrix:
        signals = self._signals.transform([r.signals for r in rows])
        tokens = [text_tokens(r.text, self.spec) for r in rows]
        words = _l2_rows(self._words.transform([w for w, _ in tokens]))
        chars = _l2_rows(self._chars.transform([c for _, c in tokens]))
        matrix: sp.csr_matrix = sp.hstack([signals, words, chars], format="csr", dtype=np.float64)
        return matrix
