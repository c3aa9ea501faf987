"""Phrase lexicons (``rempart/data/intent/*.yaml``) compiled for fast matching.

A lexicon file maps a category (``credentials``, ``urgency``…) to phrases written in a small
pattern language, matched against normalised text (lower case, no accents, plain apostrophes):

- words are literal; accents and case in the file do not matter; ``word*`` matches any ending;
- a space between words matches spaces, line breaks and light punctuation (not ``. ! ?``);
- ``(a|b c)`` is a choice; ``(…)?`` is optional; ``~`` skips up to 3 words, ``~6`` up to 6;
- ``#`` is a number of 1–4 digits, ``#h`` a time of day (16h, 16 h 30, 16:00, 4pm);
- ``-`` matches a hyphen, a space or nothing; ``\\?`` a question mark (a space before it is optional);
- ``@name`` is any entry of the list ``rempart/data/intent/name.txt``;
- an entry starting with ``re:`` is a raw regular expression over the normalised text.

Every phrase is matched as whole words. The language of a match is the file it came from.

Speed: each phrase gets *anchor words* — a set of whole words one of which must appear in any
text it matches (chosen rare: not a stop word). A message's words are collected once; only the
phrases with an anchor present are run, so a message costs a word split plus a few regexes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any

import yaml

from rempart.analyzers.intent_.text import normalise

# A gap between two words of a phrase: whitespace and light punctuation, never a sentence end; none after an elided
# word ("(me|m') (envoyer)" is written "m'envoyer", "(je t') (ecris)" "je t'ecris").
SEP = r"(?:(?<=')|[^\w.!?]{1,12})"
# ``#h`` in a phrase: a time of day as people write it (16h, 16 h 30, 16:00, 4pm, 4:30 p.m.).
TIME = r"\d{1,2}(?:\s?(?:h|heures?|am|pm|a\.m\.|p\.m\.)(?:\s?\d{2})?|[:h]\d{2}(?:\s?(?:am|pm))?)"
WORD = re.compile(r"\w+")
# A word skipped by a ``~`` gap; a number with decimals or thousands separators ("18.5", "3,500,000") is one.
GAP_WORD = r"[\w']+(?:[.,]\d+)*"
# ``word*`` phrases are anchored on the first PREFIX letters of the word, marked to keep them apart.
PREFIX = 5
PREFIX_MARK = ">"
# The start key of phrases that begin with a number (``#``): any word starting with a digit.
NUMBER_KEY = "#"


class LexiconError(ValueError):
    """A lexicon file that cannot be compiled (names the file and the phrase)."""


def _data_text(name: str, folder: str = "intent") -> str:
    return importlib_resources.files("rempart.data").joinpath(folder, name).read_text(encoding="utf-8")


def has_data(name: str, folder: str = "intent") -> bool:
    return importlib_resources.files("rempart.data").joinpath(folder, name).is_file()


def load_list(name: str, folder: str = "intent") -> list[str]:
    """``rempart/data/<folder>/<name>.txt``: one entry per line, ``#`` starts a comment."""
    entries = (line.split(" #", 1)[0].strip() for line in _data_text(f"{name}.txt", folder).splitlines())
    return [e for e in entries if e and not e.startswith("#")]


def load_yaml(name: str, folder: str = "intent") -> dict[str, list[str]]:
    """``rempart/data/<folder>/<name>``: a mapping of category to phrases (other lexicons reuse the format)."""
    data = yaml.safe_load(_data_text(name, folder)) or {}
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: expected a mapping of category to phrases")
    out: dict[str, list[str]] = {}
    for key, phrases in data.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise LexiconError(f"{name}: category '{key}' must be a list of strings")
        out[str(key)] = phrases
    return out


# --- the pattern language: parse into a small tree, then emit a regex and the anchor words -------

Node = tuple[Any, ...]
# ("word", text, is_prefix) ("char", c) ("hyphen",) ("apos",) ("num",) ("time",) ("sep",) ("sep_q",)
# ("alt", [seq, ...]) ("opt", seq) ("gap", n) ("list", name)


def _parse(text: str, phrase: str) -> list[Node]:
    stack: list[list[Node]] = [[]]
    alts: list[list[list[Node]]] = []
    opens: list[int] = []  # where each open group starts
    spaced: list[list[bool]] = []  # per open group: which branches ended with a space ("(online )?")
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        seq = stack[-1]
        if c == " ":
            while i < n and text[i] == " ":
                i += 1
            if text.startswith("\\?", i):
                seq.append(("sep_q",))
            elif seq and i < n and text[i] not in "|)":
                seq.append(("sep",))
            continue
        if c == "(":
            alts.append([])
            stack.append([])
            opens.append(i)
            spaced.append([])
        elif c in "|)" and seq and seq[-1][0] == "gap":
            # the gap's regex ends with the separator the group's successor needs too: it would never match
            raise LexiconError(f"a gap '~' cannot end a choice (write two phrases) in {phrase!r}")
        elif c == "|":
            if not alts:
                raise LexiconError(f"'|' outside a group in phrase {phrase!r}")
            alts[-1].append(stack.pop())
            spaced[-1].append(text[i - 1] == " ")
            stack.append([])
        elif c == ")":
            if not alts:
                raise LexiconError(f"unbalanced ')' in phrase {phrase!r}")
            branches = [*alts.pop(), stack.pop()]
            trailing = [*spaced.pop(), text[i - 1] == " "]
            start = opens.pop()
            optional = i + 1 < n and text[i + 1] == "?"
            after = i + 2 if optional else i + 1
            # "(online )?casino": a branch ending with a space is followed by a gap; when the group
            # itself is glued to what follows (and, if optional, not preceded by a gap it could carry), add it
            # here. A choice that must match always keeps its own: "(de |d')(fraude)" is "de fraude", "d'fraude".
            carried = optional and start > 0 and text[start - 1] == " "
            if not carried and after < n and text[after] not in " |)":
                branches = [[*b, ("sep",)] if t and b else b for b, t in zip(branches, trailing, strict=True)]
            node: Node = ("alt", branches)
            if optional:
                i += 1
                node = ("opt", [node])
            stack[-1].append(node)
        elif c == "~":
            j = i + 1
            while j < n and text[j].isdigit():
                j += 1
            seq.append(("gap", int(text[i + 1: j]) if j > i + 1 else 3))
            i = j
            continue
        elif c == "?" and seq and seq[-1][0] == "word" and not seq[-1][2] and len(seq[-1][1]) > 1:
            word = seq.pop()[1]  # "cards?": the last letter is optional
            seq.append(("alt", [[("word", word, False)], [("word", word[:-1], False)]]))
        elif c == "\\" and i + 1 < n:
            seq.append(("char", text[i + 1]))
            i += 1
        elif c == "*":
            if not seq or seq[-1][0] != "word":
                raise LexiconError(f"'*' must follow a word in phrase {phrase!r}")
            seq[-1] = ("word", seq[-1][1], True)
        elif c == "#":
            if text.startswith("#h", i) and not text[i + 2: i + 3].isalpha():
                seq.append(("time",))
                i += 1
            else:
                seq.append(("num",))
        elif c == "-":
            seq.append(("hyphen",))
        elif c == "'":
            seq.append(("apos",))
        elif c == "@":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            seq.append(("list", text[i + 1: j]))
            i = j
            continue
        elif c.isalnum() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            seq.append(("word", text[i:j], False))
            i = j
            continue
        elif c == "?":
            raise LexiconError(f"'?' must follow a group or a word (\\? is a question mark) in {phrase!r}")
        else:
            seq.append(("char", c))
        i += 1
    if alts:
        raise LexiconError(f"unbalanced '(' in phrase {phrase!r}")
    return _attach_separators(stack[0])


def _ends_with_gap(opt: Node) -> bool:
    """An optional group that carries the gap after it (itself, or in every one of its branches)."""
    last = opt[1][-1]
    if last[0] == "sep":
        return True
    return last[0] == "alt" and all(b and b[-1][0] == "sep" for b in last[1])


def _attach_separators(seq: list[Node]) -> list[Node]:
    """Let an optional group or a gap carry the separator next to it, so skipping it leaves one gap."""
    out: list[Node] = []
    i = 0
    while i < len(seq):
        node = seq[i]
        if node[0] == "alt":
            node = ("alt", [_attach_separators(b) for b in node[1]])
        elif node[0] == "opt":
            inner = [("alt", [_attach_separators(b) for b in node[1][0][1]])]
            after_gap = bool(out) and (out[-1][0] == "sep" or (out[-1][0] == "opt" and _ends_with_gap(out[-1])))
            if after_gap and i + 1 < len(seq) and seq[i + 1][0] != "sep":
                # "not (yet )?(been )?verified": the gap follows the optional word
                node = ("opt", inner if _ends_with_gap(("opt", inner)) else [*inner, ("sep",)])
            elif out and out[-1][0] == "sep":
                out.pop()
                node = ("opt", [("sep",), *inner])
            elif i + 1 < len(seq) and seq[i + 1][0] == "sep":
                node = ("opt", [*inner, ("sep",)])
                i += 1
            else:
                node = ("opt", inner)
        elif node[0] == "gap" and i + 1 < len(seq) and seq[i + 1][0] == "sep":
            i += 1  # the gap's regex ends with a separator
        out.append(node)
        i += 1
    return out


def _regex(seq: list[Node], lists: Mapping[str, list[str]]) -> str:
    parts: list[str] = []
    for node in seq:
        kind = node[0]
        if kind == "word":
            parts.append(re.escape(node[1]) + (r"\w*" if node[2] else ""))
        elif kind == "char":
            parts.append(re.escape(node[1]))
        elif kind == "hyphen":
            parts.append(r"[\s\-]?")
        elif kind == "apos":
            parts.append(r"'\s?")
        elif kind == "num":
            parts.append(r"\d{1,4}")
        elif kind == "time":
            parts.append(TIME)
        elif kind == "sep":
            parts.append(SEP)
        elif kind == "sep_q":
            parts.append(r"\s*")
        elif kind == "alt":
            parts.append("(?:" + "|".join(_regex(b, lists) for b in node[1]) + ")")
        elif kind == "opt":
            parts.append("(?:" + _regex(node[1], lists) + ")?")
        elif kind == "gap":
            parts.append(rf"(?:{GAP_WORD}{SEP}){{0,{node[1]}}}")
        elif kind == "list":
            entries = lists.get(node[1])
            if entries is None:
                raise LexiconError(f"unknown list @{node[1]}")
            alternatives = (_regex(_parse(normalise(e), e), lists) for e in entries)
            parts.append("(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")")
    return "".join(parts)


_LONG_WORD = 40  # bound used for "word*" and gap words when sizing search windows


def _extent(seq: list[Node], lists: Mapping[str, list[str]]) -> int:
    """An upper bound on the length of any text ``seq`` matches (used to size search windows)."""
    total = 0
    for node in seq:
        kind = node[0]
        if kind == "word":
            total += _LONG_WORD if node[2] else len(node[1])
        elif kind in ("char", "hyphen"):
            total += 1
        elif kind == "apos":
            total += 2
        elif kind == "num":
            total += 4
        elif kind == "time" or kind in ("sep", "sep_q"):
            total += 12
        elif kind == "gap":
            total += node[1] * (_LONG_WORD + 12)
        elif kind == "alt":
            total += max(_extent(b, lists) for b in node[1])
        elif kind == "opt":
            total += _extent(node[1], lists)
        elif kind == "list":
            total += max((_extent(_parse(normalise(e), e), lists) for e in lists.get(node[1], [])), default=0)
    return total


_BOUNDARY = ("sep", "sep_q", "apos", "char")


def _edge(node: Node, side: int) -> str:
    """What a neighbouring node shows next to a word: an optional group counts by its separator."""
    if node[0] == "opt" and node[1] and (node[1][side][0] == "sep" or (side == -1 and _ends_with_gap(node))):
        return "sep"
    return str(node[0])


class _Anchors:
    """Chooses, for a phrase, a set of whole words one of which every match contains (or None)."""

    def __init__(self, lists: Mapping[str, list[str]], common: frozenset[str]) -> None:
        self.lists = lists
        self.common = common

    def cost(self, words: frozenset[str]) -> int:
        """Lower is better: few, rare anchors (a stop word or a short word is in almost every text)."""
        return len(words) + sum(25 if (w in self.common or len(w) <= 2) else 2 if w[0] == PREFIX_MARK else 1
                                for w in words)

    def _word(self, seq: list[Node], idx: int) -> frozenset[str] | None:
        node = seq[idx]
        before = _edge(seq[idx - 1], -1) if idx > 0 else "sep"
        after = _edge(seq[idx + 1], 0) if idx + 1 < len(seq) else "sep"
        if before not in _BOUNDARY:  # glued to a hyphen, a number or a group: part of a longer word
            return None
        following = seq[idx + 2] if idx + 2 < len(seq) else None
        if after == "hyphen" and following is not None and following[0] == "word":
            # "re-activate" is written "reactivate", "re-activate" or "re activate"
            joined, second = node[1] + following[1], following[1]
            if not following[2]:
                return frozenset({joined, second})
            if len(second) >= PREFIX:
                return frozenset({PREFIX_MARK + joined[:PREFIX], PREFIX_MARK + second[:PREFIX]})
            return None
        glued = node[2] or after == "hyphen"  # "word*", or "e-mail" written "email"
        if not glued and after in _BOUNDARY:
            return frozenset({node[1]})
        if glued and len(node[1]) >= PREFIX:
            return frozenset({PREFIX_MARK + node[1][:PREFIX]})
        return None

    def _union(self, seqs: Iterable[list[Node]]) -> frozenset[str] | None:
        sets = [self.of(s) for s in seqs]
        if not sets or any(s is None for s in sets):
            return None
        return frozenset().union(*(s for s in sets if s is not None))

    def of(self, seq: list[Node]) -> frozenset[str] | None:
        best: frozenset[str] | None = None
        for idx, node in enumerate(seq):
            candidate: frozenset[str] | None = None
            if node[0] == "word":
                candidate = self._word(seq, idx)
            elif node[0] == "alt":
                candidate = self._union(node[1])
            elif node[0] == "list":
                candidate = self._union(_parse(normalise(e), e) for e in self.lists.get(node[1], []))
            if candidate and (best is None or self.cost(candidate) < self.cost(best)):
                best = candidate
        return best


def _first_words(seq: list[Node], lists: Mapping[str, list[str]]) -> frozenset[str] | None:
    """The anchor keys one of which every match of ``seq`` starts with (None when unknown)."""
    if not seq:
        return None
    node = seq[0]
    if node[0] == "num":
        return frozenset({NUMBER_KEY})
    if node[0] == "word":
        if node[2]:
            return frozenset({PREFIX_MARK + node[1][:PREFIX]}) if len(node[1]) >= PREFIX else None
        after = _edge(seq[1], 0) if len(seq) > 1 else "sep"
        return frozenset({node[1]}) if after in _BOUNDARY else None
    branches: list[list[Node]] = []
    if node[0] == "alt":
        branches = node[1]
    elif node[0] == "list":
        branches = [_parse(normalise(e), e) for e in lists.get(node[1], [])]
    sets = [_first_words(b, lists) for b in branches]
    if not sets or any(x is None for x in sets):
        return None
    return frozenset().union(*(x for x in sets if x is not None))


@dataclass(frozen=True, slots=True)
class Phrase:
    category: str
    lang: str
    source: str
    pattern: re.Pattern[str]
    anchors: frozenset[str] | None
    extent: int  # no match is longer than this: text farther than this from an anchor is not searched
    # Every match starts with one of the anchors: the phrase is tried only where they occur (re.match).
    starts_at_anchor: bool = False
    # Otherwise, the words (anchor keys) one of which every match starts with, when known and not common:
    # inside the anchors' windows the phrase is tried only where they occur, not at every character.
    start_keys: frozenset[str] | None = None


def compile_phrase(phrase: str, lists: Mapping[str, list[str]] | None = None) -> str:
    """The regex for one phrase of the pattern language (without word boundaries)."""
    phrase = phrase.strip()
    if phrase.startswith("re:"):
        return phrase[3:].strip()
    return _regex(_parse(normalise(phrase), phrase), lists or {})


def phrase_anchors(phrase: str, lists: Mapping[str, list[str]] | None = None,
                   common: frozenset[str] = frozenset()) -> frozenset[str] | None:
    """Whole words (``>abcde`` for a 5-letter prefix), one of which every match contains; None if unknown."""
    phrase = phrase.strip()
    if phrase.startswith("re:"):
        return None
    return _Anchors(lists or {}, common).of(_parse(normalise(phrase), phrase))


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    lang: str  # the lexicon the phrase came from: fr, en, or any (names, brands)
    start: int
    end: int


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Hits in text order; where two phrases of a category matched the same words, the longer is kept."""
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if kept and h.start < kept[-1].end:
            if h.end - h.start > kept[-1].end - kept[-1].start:
                kept[-1] = h
            continue
        kept.append(h)
    return kept


# On ASCII text, every character ``\w`` does not match, mapped to a space: ``str.split`` then yields the words.
_ASCII_NON_WORD = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}


@dataclass(frozen=True, slots=True)
class _WordIndex:
    """Where each distinct word (``WORD``) of a text starts, and the words grouped by what else keys them."""

    starts: dict[str, list[int]]  # word -> its starts in text order; words in the order of first occurrence
    by_prefix: dict[str, list[str]]  # first PREFIX letters -> the words (of PREFIX letters or more) they begin
    numbers: list[str]  # the words that start with a digit (what ``\d`` matches)


@lru_cache(maxsize=4)
def _word_index(text: str) -> _WordIndex:
    """The words of ``text`` and where they start. Cached for the last few texts: the intent and scam
    lexicons read the same normalised text.

    On ASCII text, ``str.split`` of the text with its non-word characters made spaces yields exactly the
    words ``WORD`` finds, at a fraction of a regex's cost. Each word's start is then found with ``str.find``
    from the end of the previous word: only separators (no word character) lie in between, so the word
    cannot occur before the place where it starts."""
    words = text.translate(_ASCII_NON_WORD).split() if text.isascii() else WORD.findall(text)
    starts: dict[str, list[int]] = {}
    find = text.find
    p = 0
    for word in words:
        p = find(word, p)
        at = starts.get(word)
        if at is None:
            starts[word] = [p]
        else:
            at.append(p)
        p += len(word)
    by_prefix: dict[str, list[str]] = {}
    numbers: list[str] = []
    for word in starts:
        if len(word) >= PREFIX:
            by_prefix.setdefault(word[:PREFIX], []).append(word)
        if word[0].isdecimal():
            numbers.append(word)
    return _WordIndex(starts, by_prefix, numbers)


class Lexicon:
    """Every phrase of every category and language (mixed mail is common), indexed by anchor word."""

    def __init__(self, sources: Mapping[str, Mapping[str, list[str]]], lists: Mapping[str, list[str]],
                 common: frozenset[str] = frozenset()) -> None:
        """``sources``: language -> category -> phrases; ``common``: stop words, poor anchors."""
        self.phrases: list[Phrase] = []
        # key (word, or marked 5-letter prefix) -> the phrases it anchors; also holds the phrases' start
        # keys (``Phrase.start_keys``), anchoring none, so that ``anchor_positions`` locates them too
        self.by_word: dict[str, list[int]] = {}
        self.always: list[int] = []  # phrases without anchors: run on every text
        for lang, categories in sources.items():
            for category, items in categories.items():
                for source in items:
                    self._add(lang, category, source, lists, common)
        # 5-letter prefix -> its marked key in ``by_word`` ("urgen" -> ">urgen")
        self.prefix_keys = {w[1:]: w for w in self.by_word if w.startswith(PREFIX_MARK)}

    def _add(self, lang: str, category: str, source: str, lists: Mapping[str, list[str]],
             common: frozenset[str]) -> None:
        where = f"{lang}/{category}: phrase {source!r}"
        try:
            pattern = re.compile(compile_phrase(source, lists) + r"(?!\w)")
            anchors = phrase_anchors(source, lists, common)
            raw = source.strip().startswith("re:")
            tree = None if raw else _parse(normalise(source.strip()), source)
            extent = 2000 if tree is None else _extent(tree, lists)
            first = None if tree is None or anchors is None else _first_words(tree, lists)
            at_start = first is not None and first == anchors
            # a stop word or a short word starts a phrase almost anywhere: searching is as cheap there
            start_keys = None if at_start or first is None or any(
                k in common or (len(k) <= 2 and k != NUMBER_KEY) for k in first) else first
        except (re.error, LexiconError) as err:
            raise LexiconError(f"{where} is not valid ({err})") from None
        if pattern.groups:
            raise LexiconError(f"{where} must not capture (use (?:…))")
        index = len(self.phrases)
        self.phrases.append(Phrase(category, lang, source, pattern, anchors, extent, at_start, start_keys))
        if anchors is None:
            self.always.append(index)
        else:
            for word in anchors:
                self.by_word.setdefault(word, []).append(index)
        for word in start_keys or ():
            self.by_word.setdefault(word, [])  # located in a text, though it anchors no phrase itself

    @property
    def categories(self) -> set[str]:
        return {p.category for p in self.phrases}

    def anchor_positions(self, text: str) -> dict[str, list[int]]:
        """Where each anchor word of the lexicon occurs in ``text`` (word and 5-letter-prefix keys), keys in
        the order of their first occurrence (a word's own key before its prefix key, before ``NUMBER_KEY``).

        The text's words and their starts come from ``_word_index`` (shared by the lexicons that read the
        same text); the keys present are found by intersecting key sets, not by a Python step per word."""
        index = _word_index(text)
        starts = index.starts
        # (first start, rank, key, starts): the rank orders the keys of one word as a walk over the words would
        found: list[tuple[int, int, str, list[int]]] = []
        for word in starts.keys() & self.by_word.keys():
            where = starts[word]
            found.append((where[0], 0, word, list(where)))  # a copy: the index is cached and shared
        prefix_keys = self.prefix_keys
        for prefix in index.by_prefix.keys() & prefix_keys.keys():
            words = index.by_prefix[prefix]
            where = list(starts[words[0]]) if len(words) == 1 else sorted(p for w in words for p in starts[w])
            found.append((where[0], 1, prefix_keys[prefix], where))
        if index.numbers and NUMBER_KEY in self.by_word:
            where = sorted(p for w in index.numbers for p in starts[w])
            found.append((where[0], 2, NUMBER_KEY, where))
        found.sort(key=lambda f: (f[0], f[1]))
        return {key: where for _, _, key, where in found}

    def find(self, text: str, limit: int = 8) -> dict[str, list[Hit]]:
        """Hits per category (at most ``limit`` each), in text order; categories with none are absent.

        Each phrase is searched only near the places where one of its anchor words occurs.
        """
        positions = self.anchor_positions(text)
        windows: dict[int, list[int]] = {i: [0] for i in self.always}
        for word, where in positions.items():
            for index in self.by_word[word]:
                windows.setdefault(index, []).extend(where)
        hits: dict[str, list[Hit]] = {}
        size = len(text)
        for index, starts in windows.items():
            phrase = self.phrases[index]
            found = hits.setdefault(phrase.category, [])
            if len(found) >= limit:
                continue
            if phrase.starts_at_anchor:
                self._match_at(phrase, text, starts, found, limit)
                continue
            reach = phrase.extent if index not in self.always else size
            starts.sort()
            lo, hi = max(0, starts[0] - reach), starts[0] + reach
            spans: list[tuple[int, int]] = []
            for p in starts[1:]:
                if p - reach <= hi:
                    hi = p + reach
                else:
                    spans.append((lo, hi))
                    lo, hi = p - reach, p + reach
            spans.append((lo, min(hi, size)))
            if phrase.start_keys is None:
                self._search(phrase, text, spans, found, limit)
            else:
                first = sorted({p for key in phrase.start_keys for p in positions.get(key, ())})
                self._match_in(phrase, text, spans, first, found, limit)
        return {c: _without_overlaps(f) for c, f in hits.items() if f}

    @staticmethod
    def _match_at(phrase: Phrase, text: str, starts: list[int], found: list[Hit], limit: int) -> None:
        """Matches beginning at the anchor positions (word starts), in text order, not overlapping."""
        match = phrase.pattern.match
        last_end = -1
        for p in sorted(set(starts)):
            if len(found) >= limit:
                break
            if p < last_end:
                continue
            m = match(text, p)
            if m is not None:
                found.append(Hit(phrase.category, phrase.lang, p, m.end()))
                last_end = m.end()

    @staticmethod
    def _match_in(phrase: Phrase, text: str, spans: list[tuple[int, int]], starts: list[int], found: list[Hit],
                  limit: int) -> None:
        """What ``_search`` finds, trying the phrase only at ``starts`` (sorted word starts where one of its
        start keys occurs): every match it accepts begins there, since a match must start a word."""
        match = phrase.pattern.match
        size = len(text)
        last_end = -1
        for lo, hi in spans:
            i = bisect_left(starts, max(lo, last_end))
            while i < len(starts) and starts[i] < hi and len(found) < limit:
                start = starts[i]
                i += 1
                if start < last_end:
                    continue
                m = match(text, start, hi)
                if m is None:
                    continue
                end = m.end()
                # whole words only: a match cut by the window's end is not one
                if end < size and end == hi and (text[end].isalnum() or text[end] == "_"):
                    continue
                found.append(Hit(phrase.category, phrase.lang, start, end))
                last_end = end

    @staticmethod
    def _search(phrase: Phrase, text: str, spans: list[tuple[int, int]], found: list[Hit], limit: int) -> None:
        search = phrase.pattern.search
        last_end = -1
        for lo, hi in spans:
            pos = max(lo, last_end)
            while len(found) < limit:
                m = search(text, pos, hi)
                if m is None:
                    break
                start, end = m.start(), m.end()
                pos = max(end, start + 1)
                # whole words only: the window's edges are not the text's edges
                if (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")) or \
                        (end < len(text) and end == hi and (text[end].isalnum() or text[end] == "_")):
                    pos = start + 1
                    continue
                found.append(Hit(phrase.category, phrase.lang, start, end))
                last_end = end
