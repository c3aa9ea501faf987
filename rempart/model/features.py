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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction import FeatureHasher

from rempart.findings import Finding
from rempart.message.model import Message
from rempart.model.text import TEXT_LANGUAGES, TEXT_LIMIT, WORD_PATTERN, language_of, neutral_text

FEATURES_VERSION = 3

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
})
EXCLUDED_PREFIXES = ("message.defect.",)
KEPT_DESPITE_PREFIX = frozenset({"message.defect.hidden_html_text"})  # a filter-evasion trick, not a fingerprint


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How features are built; stored in the artifact so a model is always read the way it was trained."""

    version: int = FEATURES_VERSION
    signal_dims: int = 2**16  # few hundred names: room enough that two never share a column
    word_dims: int = 2**18
    char_dims: int = 2**18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    text_limit: int = TEXT_LIMIT
    char_tokens: int = 500  # the distinct words among the text's first tokens give character n-grams

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
    tokens: tuple[str, ...] = ()  # the text's words (``WORD_PATTERN``), kept so scoring does not split it again


# Every signal has a direction, and the learner keeps its coefficient on that side (``direction``): findings,
# family maxima, the analyzers' score and suspicion facts (an impersonation, links with findings, a freemail
# sender…) may only raise the score — trust findings carry negative values, so they can only lower it; the
# sender being one of the organisation's own domains or a known vendor, and links pointing to the sender's or
# the organisation's own domain, may only lower it. Facts with no direction of their own (how many links or
# attachments, their extensions, plain http) are not features: in the training mail they mostly tell one
# collection's format from another's.
DECREASING_PREFIXES = ("from.is_org", "from.is_vendor", "urls.share_")


def direction(name: str) -> int:
    """+1: the coefficient may not be negative; −1: it may not be positive."""
    return -1 if name.startswith(DECREASING_PREFIXES) else 1


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
        aligned = sum(1 for u in urls if from_domain and u.get("domain") == from_domain)
        out["urls.share_sender_domain"] = aligned / len(urls)
        out["urls.share_org"] = sum(1 for u in urls if u.get("is_org")) / len(urls)
        out["urls.with_findings"] = sum(1 for u in urls if u.get("findings")) / len(urls)
        if any(u.get("origin") == "form_action" for u in urls):
            out["urls.form_action"] = 1.0
    for a in facts.get("attachments", []) or []:
        if a.get("inline"):
            continue
        for flag in ("macros", "encrypted"):
            if a.get(flag):
                out[f"attachment.{flag}"] = 1.0
        if a.get("members"):
            out["attachment.archive"] = 1.0
        if a.get("findings"):
            out["attachment.with_findings"] = 1.0
    return out


_WORD = WORD_PATTERN

try:  # the hashing kernel behind FeatureHasher, called directly on one message (no sparse-matrix overhead)
    from sklearn.feature_extraction._hashing_fast import transform as _hashing_kernel
except ImportError:  # pragma: no cover - another scikit-learn layout: the generic path below is used
    _hashing_kernel = None

V = TypeVar("V")
_CACHE_LIMIT = 100_000  # entries per scan-time cache (about 10–15 MB each at most); cleared when full


def hashed_columns(names: Sequence[str], n_features: int) -> NDArray[np.intp]:
    """The column ``FeatureHasher(n_features, alternate_sign=False)`` puts each name in (MurmurHash3, seed 0)."""
    if _hashing_kernel is not None:
        indices, _, _ = _hashing_kernel([zip(names, repeat(1.0))], n_features, np.float64, False, seed=0)
        return np.asarray(indices, dtype=np.intp)
    from sklearn.utils import murmurhash3_32  # pragma: no cover - only without the private kernel

    out = []  # pragma: no cover
    for name in names:  # pragma: no cover
        h = int(murmurhash3_32(name, seed=0))
        out.append((2147483647 - (n_features - 1)) % n_features if h == -2147483648 else abs(h) % n_features)
    return np.asarray(out, dtype=np.intp)  # pragma: no cover


@lru_cache(maxsize=65536)
def _char_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        grams += [padded[i: i + n] for i in range(size - n + 1)]
    return tuple(grams)


def word_items(tokens: Sequence[str], spec: FeatureSpec) -> list[str]:
    """The distinct word n-grams of the text (presence, not counts: repeating a phrase adds nothing)."""
    low, high = spec.word_ngrams
    items: list[str] = []
    for n in range(low, high + 1):
        if n == 1:
            items.extend(tokens)
        else:
            items.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)), strict=False)))
    return list(dict.fromkeys(items))


def char_words(tokens: Sequence[str], spec: FeatureSpec) -> list[str]:
    """The distinct words (of the first ``char_tokens``) whose character n-grams are features."""
    return list(dict.fromkeys(tokens[: spec.char_tokens]))


def text_tokens(text: str, spec: FeatureSpec) -> tuple[list[str], list[str]]:
    """Word n-grams of the text, and character n-grams of its distinct words (each word padded with spaces,
    like ``char_wb``; cached per word, so common vocabulary costs nothing)."""
    tokens = _WORD.findall(text)
    chars: list[str] = []
    for token in char_words(tokens, spec):
        chars.extend(_char_grams(token, *spec.char_ngrams))
    return word_items(tokens, spec), chars


def _scale_rows(matrix: sp.csr_matrix, lengths: Sequence[int]) -> sp.csr_matrix:
    """Divide each row by √(number of items it was built from): a text's block has unit length when no two of
    its items share a column, whatever the text's length (computable at scan time without the row)."""
    scale = np.array([1.0 / math.sqrt(n) if n else 0.0 for n in lengths])
    matrix.data = matrix.data * np.repeat(scale, np.diff(matrix.indptr))
    return matrix


class MarginScorer:
    """``Featurizer.transform([row]) @ coef`` for one message at a time, without building the row.

    Each word's summed character n-gram coefficients are computed once and cached (mail reuses its
    vocabulary: nearly every lookup hits). Word n-grams are hashed afresh for every message instead: most
    bigrams are new, and lookups in a cache of 100,000 of them, scattered in memory, cost twice what
    MurmurHash3 over the message's list does (measured on the dev corpus)."""

    def __init__(self, spec: FeatureSpec, coef: NDArray[np.floating[Any]]) -> None:
        self.spec = spec
        w0, c0 = spec.signal_dims, spec.signal_dims + spec.word_dims
        self._signal_coef = np.asarray(coef[:w0], dtype=np.float64)
        self._word_coef = np.asarray(coef[w0:c0], dtype=np.float64)
        self._char_coef = np.asarray(coef[c0:], dtype=np.float64)
        self._signals: dict[str, float] = {}
        self._chars: dict[str, tuple[float, int]] = {}

    @staticmethod
    def _cached(cache: dict[str, V], names: Sequence[str], compute: Callable[[list[str]], list[V]]) -> list[V]:
        """``cache[name]`` for each name, computing the missing ones in one batch (cleared when full)."""
        values = list(map(cache.get, names))
        if None not in values:
            return values  # type: ignore[return-value]
        missing = [n for n, v in zip(names, values, strict=True) if v is None]
        fresh = dict(zip(missing, compute(missing), strict=True))
        if len(cache) + len(fresh) > _CACHE_LIMIT:
            cache.clear()
        cache.update(fresh)  # values are read from ``fresh``: another thread may clear the cache meanwhile
        return [fresh[n] if v is None else v for n, v in zip(names, values, strict=True)]

    @classmethod
    def _lookup(cls, cache: dict[str, float], names: Sequence[str], coef: NDArray[np.float64]) -> list[float]:
        """Each name's coefficient: the column the hasher puts it in."""
        return cls._cached(cache, names, lambda missing: coef[hashed_columns(missing, len(coef))].tolist())

    def _char_sums(self, words: Sequence[str]) -> list[tuple[float, int]]:
        """Each word's summed character n-gram coefficients, and how many n-grams it has."""
        low, high = self.spec.char_ngrams

        def compute(missing: list[str]) -> list[tuple[float, int]]:
            grams = [_char_grams(w, low, high) for w in missing]
            sizes = [len(g) for g in grams]
            coef = self._char_coef[hashed_columns([x for g in grams for x in g], len(self._char_coef))]
            sums = np.add.reduceat(coef, np.cumsum([0, *sizes[:-1]])).tolist() if len(coef) else []
            return list(zip(sums, sizes, strict=True))

        return self._cached(self._chars, words, compute)

    def margin(self, row: Extracted) -> float:
        total = 0.0
        if row.signals:
            names = list(row.signals)
            weights = self._lookup(self._signals, names, self._signal_coef)
            total += math.fsum(c * row.signals[n] for n, c in zip(names, weights, strict=True))
        if not row.text:
            return total
        tokens = row.tokens if row.tokens else tuple(_WORD.findall(row.text))
        words = word_items(tokens, self.spec)
        if words:
            coef = self._word_coef[hashed_columns(words, len(self._word_coef))].tolist()
            total += math.fsum(coef) / math.sqrt(len(words))
        sums = self._char_sums(char_words(tokens, self.spec))
        count = sum(n for _, n in sums)
        if count:
            total += math.fsum(s for s, _ in sums) / math.sqrt(count)
        return total


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
        tokens = tuple(_WORD.findall(text))
        language = language_of(tokens)
        if language in TEXT_LANGUAGES or language == "":
            return Extracted(signal_features(findings, facts), text, language, tokens)
        return Extracted(signal_features(findings, facts), "", language)

    def scorer(self, coef: NDArray[np.floating[Any]]) -> MarginScorer:
        return MarginScorer(self.spec, coef)

    def margin(self, row: Extracted, coef: NDArray[np.floating[Any]]) -> float:
        """``transform([row]) @ coef`` for one message (a throw-away scorer: hold a ``scorer`` to reuse)."""
        return self.scorer(coef).margin(row)

    def transform(self, rows: Sequence[Extracted]) -> sp.csr_matrix:
        signals = self._signals.transform([r.signals for r in rows])
        tokens = [text_tokens(r.text, self.spec) for r in rows]
        words = _scale_rows(self._words.transform([w for w, _ in tokens]), [len(w) for w, _ in tokens])
        chars = _scale_rows(self._chars.transform([c for _, c in tokens]), [len(c) for _, c in tokens])
        matrix: sp.csr_matrix = sp.hstack([signals, words, chars], format="csr", dtype=np.float64)
        return matrix
