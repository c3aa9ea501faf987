"""The text the model may read: subject and body with every source fingerprint neutralised.

Public corpora differ by era, language and mailing-list conventions (see the corpus MANIFEST, "Traps").
A model that reads raw text learns those instead of the attack, so before any text feature:

- reply/forward prefixes are dropped from the subject (mailing-list ham is mostly "Re:");
- quoted history (``> …`` lines and their "On … wrote:" attribution) and the signature after "-- " are
  dropped: they are someone else's words and a list convention;
- e-mail addresses, URLs, bare domain names and numbers (dates, years, amounts, ticket numbers) become
  placeholder tokens, and so do the recipient's own local part and domain labels (personalised
  greetings, the corpora's anonymised recipients);
- accents are folded and case lowered, like the rules' ``text``.

Headers are never read here. ``guess_language`` picks the language with the most function-word hits;
text features are only used for languages with both legitimate and fraudulent training mail.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources as importlib_resources

from rempart.engine.facts import fold_text
from rempart.message.model import Message

TEXT_LIMIT = 6000  # characters of neutralised text kept (bounded cost per message)
TEXT_LANGUAGES = frozenset({"en", "fr"})  # languages with both classes in the training data

_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|tr|fwd?|wg|trans|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")  # "[ksummit-discuss] …" subject tags
_ATTRIBUTION = re.compile(
    r"^\s*(?:on\b.{0,200}\bwrote|le\b.{0,200}\ba (?:ecrit|écrit)|.{0,120}\b(?:wrote|a écrit|a ecrit)\s*)\s*:\s*$",
    re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:original message|message d'origine|forwarded message|message transf)",
                       re.IGNORECASE)
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
# An address starts where a run of its characters starts (the leftmost match always does): the lookbehind
# stops the engine rescanning every word from each of its letters (same matches, a fraction of the cost).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
# A label's run is taken whole (possessive ``++``): it must be followed by a dot, which the run cannot contain,
# so giving characters back never helps a match; it only cost the engine a retry per letter of every word.
_DOMAIN = re.compile(r"\b(?:[a-z0-9-]++\.)+(?:[a-z]{2,24})\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d.,:/\-\s]*\d|\d")
WORD_PATTERN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # a word: two letters or more
_TOKEN = WORD_PATTERN
LANGUAGE_TOKENS = 500  # words read to guess the language
_PUNCT_LINE = re.compile(r"^[\s\W_]{8,}$")


def _strip_subject(subject: str) -> str:
    s = _LIST_TAG.sub("", subject)
    s = _PREFIX.sub("", s)
    return _LIST_TAG.sub("", s)


def own_words(body: str) -> str:
    """The body without quoted history, attribution lines, forwarded originals and signature."""
    kept: list[str] = []
    # attributions say "wrote" or "écrit": when the body has neither, no line needs the pattern
    lowered_body = body.lower()
    attributions = "wrote" in lowered_body or "crit" in lowered_body
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") and (stripped == "--" or _ORIGINAL.match(line)):
            break
        if stripped.startswith(">"):
            continue
        if attributions:
            lowered = stripped.lower()
            if ("wrote" in lowered or "crit" in lowered) and _ATTRIBUTION.match(line):
                continue
        # rules are 8+ characters with no letter or digit: a line whose first visible character is one is not
        if len(line) >= 8 and not (stripped and stripped[0].isalnum()) and _PUNCT_LINE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept)


def _recipient_tokens(message: Message) -> list[str]:
    tokens: set[str] = set()
    for a in (*message.to, *message.cc):
        local, _, domain = a.address.partition("@")
        for piece in re.split(r"[._+-]", local):
            if len(piece) >= 3:
                tokens.add(piece.lower())
        for label in domain.split(".")[:-1]:
            if len(label) >= 3:
                tokens.add(label.lower())
    return sorted(tokens)


@lru_cache(maxsize=4096)
def _fold_token(token: str) -> str:
    return fold_text("", token, 100)


def _sub_tokens(pattern: re.Pattern[str], repl: str, text: str, mark: str) -> str:
    """``pattern.sub(repl, text)`` for a pattern whose every match contains ``mark`` and no space, and which
    looks at its neighbours only as ``\\b`` or a lookbehind class a space is not in (``_EMAIL``, ``_DOMAIN``):
    each match then lies in one space-delimited word holding ``mark``, where a space reads like the text's
    edge, so only those words are searched (the pattern would otherwise be tried at every character)."""
    at = text.find(mark)
    if at < 0:
        return text
    parts: list[str] = []
    done = 0  # text[:done] is copied; done is 0 or the index of a space
    while at >= 0:
        start = text.rfind(" ", done, at) + 1 or done
        end = text.find(" ", at)
        if end < 0:
            end = len(text)
        parts.append(text[done:start])
        parts.append(pattern.sub(repl, text[start:end]))
        done = end
        at = text.find(mark, end)
    parts.append(text[done:])
    return "".join(parts)


def neutral_text(message: Message, limit: int = TEXT_LIMIT) -> str:
    """Subject + the sender's own words, masked and folded (see the module docstring)."""
    body = own_words(message.body_text[: limit * 2])
    text = f"{_strip_subject(message.subject)}\n{body}"
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" zurlz ", text)
    text = _sub_tokens(_EMAIL, " zemailz ", text, "@")
    text = _sub_tokens(_DOMAIN, " zdomainz ", text, ".")
    text = _NUMBER.sub(" znumz ", text)
    folded = fold_text("", text, limit * 2)
    present = tuple(t for t in (_fold_token(t) for t in _recipient_tokens(message)) if t in folded)
    if not present:  # ``fold_text`` already collapsed white space
        return folded[:limit]
    # usually the greeting's first name: a small pattern, cached by ``re``
    folded = re.sub(r"\b(?:" + "|".join(map(re.escape, present)) + r")\b", " zrcptz ", folded)
    return " ".join(folded.split())[:limit]


def body_hash(text: str) -> str:
    """Near-duplicate key: the neutralised text with only its letters kept (whitespace, placeholders for
    numbers and links already make trivially varied copies equal)."""
    letters = "".join(_TOKEN.findall(text))
    return hashlib.sha256(letters.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=1)
def _function_words() -> dict[str, str]:
    data = importlib_resources.files("rempart.model.data").joinpath("function_words.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in data.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lang, _, word = line.partition(" ")
            table[word.strip()] = lang
    return table


def guess_language(text: str) -> str:
    """``en``, ``fr``, ``de``, ``nl``, ``pt``, ``es``, ``it``, or ``""`` when there are too few hits to say."""
    return language_of(_TOKEN.findall(text[:LANGUAGE_TOKENS * 8]))


def language_of(tokens: Sequence[str]) -> str:
    """``guess_language`` over words already split (``WORD_PATTERN``): the first ``LANGUAGE_TOKENS``."""
    words = _function_words()
    counts = Counter(words[t] for t in tokens[:LANGUAGE_TOKENS] if t in words)
    if not counts or max(counts.values()) < 3:
        return ""
    return max(sorted(counts), key=lambda k: counts[k])
