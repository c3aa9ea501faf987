"""The hand-tuned regexes of the parser match exactly what their plain case-insensitive forms match.

Several patterns are spelled with literal first letters (one alternative per case) or a leading
character class instead of ``re.IGNORECASE`` and ``\\b``, because the regex engine then skips and
rejects faster. These tests hold them to the plain forms on the characters where case folding is
subtle (dotless and dotted i, long s, Kelvin sign) and on ordinary text.
"""

from __future__ import annotations

import random
import re

from rempart.message import headers, html, mime, urls

_TRICKY = ["ı", "İ", "ſ", "K", "é", "_", "1", " ", "\t", "\n", "\r", "<", "/", ".", ":", ";", "!", "x"]


def _fuzz(words: list[str], count: int = 20_000, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(words) for _ in range(rnd.randint(0, 9))) for _ in range(count)]


def test_block_tags_as_ignorecase() -> None:
    plain = re.compile(r"<(?=/?(?:p|div|br|tr|li|ul|ol|h[1-6]|table|blockquote|hr|section|article|center)\b)",
                       re.IGNORECASE)
    words = ["<", "</", "p", "P", "dIv", "dıv", "br", "h1", "h7", "table", "blocKquote", "bloc\u212aquote",
             "section", "\u017fection", "SECTİON", "article", "center", "td", *_TRICKY]
    for text in _fuzz(words):
        assert html._BLOCK_TAG.subn("\n<", text) == plain.subn("\n<", text), text


def test_hidden_style_as_ignorecase() -> None:
    plain = re.compile(
        r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0*\.?0*(?:px|pt|em|rem|%)?\s*(?:;|!|$)"
        r"|opacity\s*:\s*0*\.?0*\s*(?:;|!|$)|max-height\s*:\s*0+(?:px)?\s*(?:;|!|$)",
        re.IGNORECASE,
    )
    words = ["display", "DISPLAY", "dısplay", "vİsibility", "font-size", "FONT-ſIZE", "opacity", "max-height",
             "none", "hidden", "0", ".", "px", "em", "%", "d", "m", *_TRICKY]
    for text in _fuzz(words):
        found, expected = html._HIDDEN_STYLE.search(text), plain.search(text)
        assert (found is None) == (expected is None), text
        assert found is None or expected is None or found.span() == expected.span(), text


def test_bare_urls_as_ignorecase() -> None:
    plain = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'`\x00-\x1f\x7f\u00a0\u200b-\u200d\u2028\u2029\ufeff]+",
                       re.IGNORECASE)
    words = ["http", "HTTPS", "hTTpſ", "ftp", "FTP", "://", "www", "WwW", "ttp", "w", "h", "f", "a", *_TRICKY]
    for text in _fuzz(words):
        assert [m.span() for m in urls._BARE_URL.finditer(text)] == [m.span() for m in plain.finditer(text)], text
        assert (urls._WWW.search(text) is not None) == ("www." in text.lower()), text


def test_received_patterns_as_ignorecase() -> None:
    by = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
    with_ = re.compile(r"\bwith\s+([A-Za-z0-9\-_/.]+)", re.IGNORECASE)
    words = ["by", "BY", "with", "wıth", "WİTH", "ESMTPſ", "mx.example", "(", ")", "a", *_TRICKY]
    for text in _fuzz(words):
        for pos in (0, 2):
            for fast, slow in ((headers._RCV_BY, by), (headers._RCV_WITH, with_)):
                found, expected = fast.search(text, pos), slow.search(text, pos)
                assert (found is None) == (expected is None), text
                assert found is None or expected is None or (found[1], found.end()) == (expected[1], expected.end())


def test_clean_text_line_edges_and_spaces() -> None:
    spaces = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
    edges = re.compile(r" ?\r?\n ?")
    blank = re.compile(r"\n{2,}")
    invisible = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
    words = [" ", " ", "\t", "\n", "\r", "\f", "\u00a0", "\u3000", "\u200b", "a", "b"]
    for text in _fuzz(words, 50_000):
        expected = spaces.sub(" ", text if text.isascii() else invisible.sub("", text))
        assert html.clean_text(text) == blank.sub("\n", edges.sub("\n", expected)).strip(), repr(text)


def test_header_lines_scanned_like_the_loop() -> None:
    words = ["From: a", "Subject : x", "\n", " cont", "\tc", "From x", ">From y", "X-A:", "bad line", "a", ":", "\xe9"]
    for text in _fuzz(words, 5_000):
        part = mime.parse_part(text.encode("utf-8") + b"\n\nbody")
        pos, expected = 0, []
        block = text + "\n"
        if block.startswith("From ") or block[:1] in (" ", "\t"):
            continue  # the envelope and continuation starts are covered by the parse tests
        while pos < len(block):
            match = mime._HEADER_LINE.match(block, pos)
            if not match:
                break
            expected.append((match.group(1), match.group(2)))
            pos = match.end() + 1
        assert part.headers[: len(expected)] == expected, text
