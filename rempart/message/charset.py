"""Bytes to text, tolerant of the charsets mail actually declares.

Order: the declared charset (strict) → UTF-8 (strict; it almost never decodes non-UTF-8 by accident)
→ charset-normalizer's detection → Windows-1252 with replacement. ISO-8859-1 is read as Windows-1252,
as browsers do, so "smart quotes" from Windows mailers come out right.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from rempart.message._cache import text_cache

DETECTION_BYTES = 64 * 1024  # charset-normalizer only needs a sample; it is the slow step
_ASCII = re.compile(r"[\x00-\x7f]+")
_WESTERN_EXTRA = re.compile("[À-ÖØ-öø-ÿŒœŸ’‘“”«»–—…€°·×÷§©®™\u00a0]*")

# Names seen in mail that Python does not know, or knows as a narrower codec than what is meant.
_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "iso_8859-1": "cp1252", "us-ascii": "ascii", "ascii": "ascii", "ansi_x3.4-1968": "ascii",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949", "iso-8859-8-i": "iso-8859-8", "windows-874": "cp874", "x-sjis": "shift_jis",
    "shift-jis": "shift_jis", "x-euc-jp": "euc_jp", "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8",
    "x-user-defined": "cp1252", "x-unknown": "", "unknown-8bit": "", "unknown": "", "default": "",
    "x-mac-roman": "mac_roman", "macintosh": "mac_roman", "x-mac-cyrillic": "mac_cyrillic",
    "3dus-ascii": "ascii", "cp-850": "cp850", "ibm850": "cp850",
}


@text_cache(512)
def codec_for(name: str) -> str | None:
    """Python's codec name for a declared charset, or None when unknown."""
    cleaned = name.strip().strip("\"'").lower()
    alias = _ALIASES.get(cleaned)
    if alias is not None:
        return alias or None
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):
        return None


def _western(data: bytes) -> str | None:
    """Windows-1252 text when every non-ASCII character is a Western European letter or common sign.

    Short French or English texts are where statistical detection errs most (``prêt`` read as
    ``pręt``); such bytes are far more likely to be Windows-1252 than anything else.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return text if _WESTERN_EXTRA.fullmatch(_ASCII.sub("", text)) else None


def detect_and_decode(data: bytes) -> str:
    """UTF-8 if valid, else Western European, else charset-normalizer's guess, else Windows-1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return western
    try:
        best = from_bytes(data[:DETECTION_BYTES]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, "replace")
    except Exception:  # detection is best effort; a bug there must not lose the body
        pass
    return data.decode("cp1252", "replace")


def decode_text(data: bytes, declared: str | None) -> tuple[str, tuple[str, str] | None]:
    """The text of ``data`` and at most one defect ``(code, detail)`` about its charset."""
    if not data:
        return "", None
    if declared:
        codec = codec_for(declared)
        if codec is None:
            return detect_and_decode(data), ("unknown_charset", declared[:60])
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            if codec == "cp1252":
                return data.decode("latin-1"), None
        except (LookupError, ValueError):
            pass
        return detect_and_decode(data), ("wrong_charset", declared[:60])
    if data.isascii():
        return data.decode("ascii"), None
    return detect_and_decode(data), ("missing_charset", "")
