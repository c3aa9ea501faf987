"""The text the intent analyzer reads: bounded, without quoted reply history, normalised for matching.

Normalisation is one character for one character (lower case, accents stripped, typographic
apostrophes, quotes, dashes and non-breaking spaces made plain), so a match in the normalised text
has the same offsets in the original text and evidence can quote what the reader actually saw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

MAX_SCAN_CHARS = 20_000

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x00C0, 0x0250):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base.isascii() and base.isalpha():
            table[cp] = base.lower()
    for ch in "\u2019\u2018\u02bc\u2032\u0060\u00b4\u201b":
        table[ord(ch)] = "'"
    for ch in "\u00ab\u00bb\u201c\u201d\u201e\u2033":
        table[ord(ch)] = '"'
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        table[ord(ch)] = "-"
    for ch in "\u00a0\u202f\u2009\u2007\u2002\u2003\u2004\u2005\u2006\u2008\u200a\u3000\t":
        table[ord(ch)] = " "
    table[0x0130] = "i"  # 'İ'.lower() is two characters; keep the mapping one-to-one
    # Styled letters (𝗕𝗼𝗻𝘂𝘀, 𝖦𝖾𝗌𝖼𝗁𝖾𝗇𝗄) and full-width forms are read as the plain letters they show:
    # mail uses them to slip words past filters.
    for cp in (*range(0x1D400, 0x1D800), *range(0xFF10, 0xFF5B)):
        plain = unicodedata.normalize("NFKC", chr(cp))
        if len(plain) == 1 and plain.isascii() and plain.isalnum():
            table[cp] = plain.lower()
    return table


_TABLE = _build_table()


def normalise(text: str) -> str:
    """Lower-case, accent-free, plain punctuation; same length as ``text``."""
    if text.isascii():  # most mail: only the tab and the backtick are in the table (a dict lookup per character)
        out = text.lower()
        if "\t" in out:
            out = out.replace("\t", " ")
        return out.replace("`", "'") if "`" in out else out
    out = text.translate(_TABLE).lower()
    if len(out) != len(text):  # a rare character whose lower case is longer: map it alone
        out = "".join(c if len(c) == 1 else c[0] for c in (ch.lower() for ch in text.translate(_TABLE)))
    return out


def clean_invisible(text: str) -> str:
    """Remove zero-width characters and soft hyphens (used to break words apart under filters)."""
    return _ZERO_WIDTH.sub("", text) if _ZERO_WIDTH.search(text) else text


# Where quoted reply history starts (everything after is history, not the sender's new words).
# Written against the normalised text; covers Gmail, Apple Mail, Thunderbird and Outlook in FR and EN.
_REPLY_MARKERS = re.compile(
    r"^[ ]*(?:"
    r"-{2,}[ ]*(?:original message|message d'origine|message original)[ ]*-{2,}"
    r"|le [^\n]{3,160}(?:\n[^\n]{0,160})?a ecrit[ ]?:"
    r"|on [^\n]{3,160}(?:\n[^\n]{0,160})?wrote[ ]?:"
    r"|(?:de|from)[ ]?:[^\n]*\n[ ]*(?:envoye|sent|date)[ ]?:"
    r")",
    re.MULTILINE,
)
# Where a forwarded message starts: the forwarder presents it as content to read.
_FORWARD_MARKERS = re.compile(
    r"^[ ]*(?:-{2,}[ ]*(?:forwarded message|message transfere|message reexpedie)[ ]*-{2,}"
    r"|debut du message reexpedie[ ]?:|begin forwarded message[ ]?:)",
    re.MULTILINE,
)
# Every match of _REPLY_MARKERS contains one of these, and every match of _FORWARD_MARKERS one of those.
_REPLY_WORDS = ("origin", "ecrit", "wrote", "envoye", "sent", "date")
_FORWARD_WORDS = ("forwarded message", "message transfere", "message reexpedie")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:tr|fwd?|wg|trans)\s*:", re.IGNORECASE)
_QUOTED_LINE = re.compile(r"^[ ]*>[^\n]*", re.MULTILINE)
# A company's abbreviated legal form ("Beneficiary: Northfield Oligo Technologies Inc. IBAN: …") does not end a
# sentence, which would stop a phrase's gap: its period is read as a space (same length, offsets kept).
_ABBREVIATED_FORM = re.compile(r"\b(ltd|inc|llc|corp|gmbh|plc)\.")
# A list of other messages' subjects ("Subject: Facture impayée – dernier rappel" once per message held in a
# quarantine digest, a report of what was blocked): their words are those messages', not the writer's. One such line
# alone is left: it heads a forward, which is read on its own terms.
_LISTED_SUBJECT_WORDS = ("subject", "objet", "betreff", "asunto", "oggetto", "onderwerp", "assunto")
_LISTED_SUBJECT = re.compile(rf"^[ ]*(?:{'|'.join(_LISTED_SUBJECT_WORDS)}) ?:[^\n]*", re.MULTILINE)
# A quarantine digest's table, one row per held message: the sender's address, then its subject ("promo@x.com -40 %
# sur les copieurs 18/10 Libérer"). Rows of two or more, in a message that names the quarantine, are reported too.
_LISTED_SENDER_ROW = re.compile(r"^[ ]*[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+[ \t][^\n]*", re.MULTILINE)
_QUARANTINE_WORDS = ("quarantaine", "quarantine", "quarantane", "cuarentena", "quarantena", "messages retenus",
                     "held messages", "messages held")


def _blank_lines(text: str, pattern: re.Pattern[str], at_least: int) -> tuple[str, int]:
    """``text`` with what ``pattern`` finds replaced by as many spaces (offsets kept) when it finds at least
    ``at_least`` of them, and the number of characters blanked."""
    matches = list(pattern.finditer(text))
    if not matches or len(matches) < at_least:
        return text, 0
    parts: list[str] = []
    last = 0
    for m in matches:
        parts += [text[last:m.start()], " " * (m.end() - m.start())]
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), sum(m.end() - m.start() for m in matches)


@dataclass(frozen=True, slots=True)
class ScanText:
    """The sender's own words, ready for matching.

    ``norm`` is ``subject + "\\n" + body`` normalised; ``original`` the same text as written.
    ``body_offset`` is where the body starts in both. Quoted history is blanked (spaces), so offsets
    into the body stay valid; ``forward_start`` is where a forwarded message begins (or -1).
    """

    original: str
    norm: str
    body_offset: int
    quoted_chars: int
    forwarded: bool
    forward_start: int
    # When invisible characters were removed from the body: original body offset of each kept character.
    body_index: tuple[int, ...] | None = None
    # The subject says forward ("Fwd:", "TR :"): with no forward marker in the body the forwarded message is
    # attached, and the body is all the forwarder's own words.
    forward_subject: bool = False

    @property
    def in_thread(self) -> bool:
        return self.quoted_chars > 0 or self.forwarded

    def body_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Offsets in the message body for a match at [start, end) in the scan text (None: subject)."""
        if start < self.body_offset:
            return None
        start, end = start - self.body_offset, end - self.body_offset
        if self.body_index is not None and end > start:
            return (self.body_index[start], self.body_index[end - 1] + 1)
        return (start, end)


@lru_cache(maxsize=4)  # the intent and scam analyzers read the same text (a ScanText is immutable)
def build_scan_text(subject: str, body: str) -> ScanText:
    body = body[:MAX_SCAN_CHARS]
    body_index: tuple[int, ...] | None = None
    if not body.isascii() and _ZERO_WIDTH.search(body):  # rare (and never ASCII): keep a map back to the body's offsets
        body_index = tuple(i for i, c in enumerate(body) if not _ZERO_WIDTH.match(c))
        body = clean_invisible(body)
    subject = clean_invisible(subject[:500]).replace("\n", " ")
    norm_body = normalise(body)
    if "." in norm_body:
        norm_body = _ABBREVIATED_FORM.sub(r"\1 ", norm_body)
    total = len(norm_body)
    # Reply history: cut at the first marker that is not the header block of a forward.
    cut = total
    # Most mail has no marker: the words every marker contains are looked for first (``in`` is far cheaper
    # than trying a line-start pattern at every character).
    forward = _FORWARD_MARKERS.search(norm_body) if any(w in norm_body for w in _FORWARD_WORDS) else None
    forward_start = forward.start() if forward else -1
    subject_says_forward = bool(_FORWARD_SUBJECT.match(subject))
    replies: Iterable[re.Match[str]] = (
        _REPLY_MARKERS.finditer(norm_body) if any(w in norm_body for w in _REPLY_WORDS) else ())
    for m in replies:
        header_block = norm_body[m.start(): m.start() + 5].lstrip().startswith(("de", "from"))
        follows_forward = forward is not None and 0 <= m.start() - forward.end() <= 4
        if follows_forward or (header_block and subject_says_forward and m.start() < 400):
            if forward_start < 0:
                forward_start = m.start()
            continue
        cut = m.start()
        break
    if 0 <= forward_start >= cut:
        forward_start = -1
    blanked = norm_body[:cut]
    quoted = total - cut
    # (the cheap ``in`` tests first: most mail has none of these lines)
    if ">" in blanked:
        blanked, chars = _blank_lines(blanked, _QUOTED_LINE, 1)
        quoted += chars
    if any(w in blanked for w in _LISTED_SUBJECT_WORDS):
        blanked, chars = _blank_lines(blanked, _LISTED_SUBJECT, 2)
        quoted += chars
    if "@" in blanked and any(w in blanked for w in _QUARANTINE_WORDS):
        blanked, chars = _blank_lines(blanked, _LISTED_SENDER_ROW, 2)
        quoted += chars
    norm_body = blanked + " " * (total - cut)
    norm_subject = normalise(subject)
    offset = len(subject) + 1
    return ScanText(
        original=subject + "\n" + body,
        norm=norm_subject + "\n" + norm_body,
        body_offset=offset,
        quoted_chars=quoted,
        forwarded=forward_start >= 0,
        forward_start=forward_start + offset if forward_start >= 0 else -1,
        body_index=body_index,
        forward_subject=subject_says_forward,
    )


def blank_range(scan: ScanText, start: int, end: int) -> ScanText:
    """The same scan text with [start, end) treated as quoted (e.g. a lure forwarded as a warning)."""
    norm = scan.norm[:start] + " " * (end - start) + scan.norm[end:]
    return ScanText(scan.original, norm, scan.body_offset, scan.quoted_chars + end - start, scan.forwarded,
                    scan.forward_start, scan.body_index)


_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ELIDED = frozenset({"l", "d", "n", "j", "qu", "c", "s", "m", "t"})


def detect_language(norm: str, fr_words: frozenset[str], en_words: frozenset[str],
                    others: Mapping[str, frozenset[str]] | None = None) -> tuple[str, int, int]:
    """``fr``, ``en``, another language code, or ``und``, by counting distinct function words in the
    first few thousand characters; returns the language and the French and English counts."""
    words = set(_WORD.findall(norm, 0, 4000))  # distinct words: enough for a guess, and fast
    fr = len(words & fr_words) + sum(1 for w in words if "'" in w and w.split("'", 1)[0] in _ELIDED)
    en = len(words & en_words)
    best_other, other = "", 0
    for lang, stop in (others or {}).items():
        count = len(words & stop)
        if count > other:
            best_other, other = lang, count
    if other >= 3 and other > max(fr, en):
        return best_other, fr, en
    if fr + en < 3:  # too few function words to tell
        return "und", fr, en
    if fr >= 1.5 * en:
        return "fr", fr, en
    if en >= 1.5 * fr:
        return "en", fr, en
    return ("fr" if fr > en else "en"), fr, en
