"""The case-spelled alternatives match exactly what the same patterns match under re.IGNORECASE."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.message._regex import case_insensitive_alternatives

PATTERNS = (r"https?://", r"display\s*:\s*none", r"str", r"www\.")
SPELLED = re.compile(case_insensitive_alternatives(PATTERNS))
FLAGGED = re.compile("|".join(PATTERNS), re.IGNORECASE)
SPELLED_WORD = re.compile(case_insensitive_alternatives(PATTERNS, word_start=True))
FLAGGED_WORD = re.compile(r"\b(?:" + "|".join(PATTERNS) + ")", re.IGNORECASE)

# Text made of the patterns' own letters in both cases, the long s, separators and word characters.
_ALPHABET = st.sampled_from(list("htpsHTPS:/wW.dDiIsSplayPLAYnNoOeEr \u017f\u0131_9-é"))
_TEXT = st.lists(st.one_of(_ALPHABET, st.sampled_from(["HTTPS://", "Display : NONE", "\u017ftr", "wWw."])),
                 max_size=40).map("".join)


@given(_TEXT)
def test_same_matches_as_ignorecase(text: str) -> None:
    assert [m.span() for m in SPELLED.finditer(text)] == [m.span() for m in FLAGGED.finditer(text)]


@given(_TEXT)
def test_word_start_is_a_word_boundary(text: str) -> None:
    assert [m.span() for m in SPELLED_WORD.finditer(text)] == [m.span() for m in FLAGGED_WORD.finditer(text)]


def test_long_s_is_spelled() -> None:
    assert SPELLED.fullmatch("\u017fTR")


@pytest.mark.parametrize("pattern", ["icon", "kelvin", "9lives"])
def test_letters_with_other_case_matches_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        case_insensitive_alternatives([pattern])
