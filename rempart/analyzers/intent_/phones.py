"""Phone numbers written in a message, for callback-phishing checks.

French numbers (01…09, +33, 0033, 0 800 toll-free), North-American numbers (1-800…, (555) 123-4567)
and other international numbers written with a ``+`` country code.
"""

from __future__ import annotations

import re

_SEP = r"[ \u00a0.\-]?"
_PHONE = re.compile(
    r"(?<![\w+/=#])(?:"
    # France: 0X XX XX XX XX, +33 (0)X ..., 0033 X ...
    rf"(?:(?:\+|00)33{_SEP}(?:\(0\){_SEP})?[1-9]|0[1-9])(?:{_SEP}\d{{2}}){{4}}"
    # France: 0 800 123 456 (numéros spéciaux written 1-3-3-3)
    rf"|0{_SEP}[89]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}"
    # North America: +1 (800) 555-0199, 1-888-555-0199, (555) 555-0199
    rf"|(?:\+?1{_SEP})?\(?[2-9]\d{{2}}\)?{_SEP}\d{{3}}[ .\-]\d{{4}}"
    # Anything else with an explicit country code
    rf"|\+[1-9]\d{{0,2}}{_SEP}(?:\(\d{{1,4}}\){_SEP})?\d{{1,4}}(?:{_SEP}\d{{2,4}}){{2,4}}"
    r")(?![\w])"
)


def find_phones(text: str, exclude: list[tuple[int, int]] | None = None,
                limit: int = 5) -> list[tuple[str, int, int]]:
    """(number as written, start, end) for each phone number, skipping ``exclude`` spans (IBANs)."""
    out: list[tuple[str, int, int]] = []
    for m in _PHONE.finditer(text):
        if exclude and any(a < m.end() and m.start() < b for a, b in exclude):
            continue
        digits = sum(c.isdigit() for c in m.group(0))
        if not 9 <= digits <= 15:
            continue
        out.append((m.group(0).strip(), m.start(), m.end()))
        if len(out) >= limit:
            break
    return out
