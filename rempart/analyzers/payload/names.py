"""File names that lie: double extensions, right-to-left overrides, invisible characters, padding.

Windows drops trailing dots and spaces from a name and hides known extensions, so
"facture.pdf   .exe" shows as "facture.pdf" and runs. A right-to-left override (U+202E) makes
"facture\u202efdp.exe" display as "factureexe.pdf". These checks are pure string work: they run
in-process on every attachment and on every member found inside one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.analyzers.payload.tables import RUNNABLE, PayloadTables

DOUBLE_EXTENSION_RUNNABLE = 0.7
DOUBLE_EXTENSION_PAGE = 0.6
DOUBLE_EXTENSION_DANGEROUS = 0.5  # a decoy in front of a disk image, OneNote, profile, ...
DOUBLE_EXTENSION_ARCHIVE = 0.1  # "rapport.pdf.zip" is also what macOS "Compress" names a file
BIDI_NAME = 0.8
INVISIBLE_NAME = 0.5
PADDING_RUN = 4  # spaces (or other blanks) in a row before an extension: pushes it out of view
_BLANKS = " \t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000_"


@dataclass(frozen=True, slots=True)
class NameHit:
    code: str
    weight: float
    evidence: dict[str, str | list[str]]


def base_name(name: str) -> str:
    """The last path component (archives and some mailers put directories in names)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def clean_name(name: str, tables: PayloadTables) -> str:
    """What Windows acts on: deceptive characters removed, trailing dots and spaces dropped."""
    cleaned = "".join(c for c in base_name(name) if c not in tables.deceptive)
    return cleaned.rstrip(". \t")


def extensions(name: str, tables: PayloadTables) -> list[str]:
    """Lower-case extensions, outermost last: "Facture.PDF  .exe" -> ["pdf", "exe"]."""
    parts = clean_name(name, tables).split(".")
    return [p.strip(_BLANKS).lower() for p in parts[1:]]


def extension(name: str, tables: PayloadTables) -> str:
    exts = extensions(name, tables)
    return exts[-1] if exts else ""


def visible_form(name: str) -> str:
    """The name with every control or invisible character written as <U+XXXX>, for evidence."""
    return "".join(c if c.isprintable() and c not in "\u00ad\u034f" else f"<U+{ord(c):04X}>" for c in name)


def _deceptive(name: str, tables: PayloadTables) -> list[NameHit]:
    found = {c: tables.deceptive[c] for c in name if c in tables.deceptive}
    if not found:
        return []
    points = sorted(f"U+{ord(c):04X}" for c in found)
    if "bidi" in found.values():
        return [
            NameHit(
                "attachment.deceptive_name",
                BIDI_NAME,
                {"kind": "bidi", "characters": points, "shown_name": visible_form(name)},
            )
        ]
    return [
        NameHit(
            "attachment.deceptive_name",
            INVISIBLE_NAME,
            {"kind": "invisible", "characters": points, "shown_name": visible_form(name)},
        )
    ]


def _padding(name: str) -> bool:
    stem = base_name(name)
    dot = stem.rstrip(". ").rfind(".")
    if dot <= 0:
        return False
    before = stem[:dot]
    run = len(before) - len(before.rstrip(_BLANKS.replace("_", "")))
    return run >= PADDING_RUN


def _double_extension(name: str, tables: PayloadTables) -> NameHit | None:
    exts = extensions(name, tables)
    if len(exts) < 2 or exts[-2] not in tables.decoys or exts[-2] == exts[-1]:
        return None
    last = exts[-1]
    category = tables.dangerous.get(last, "")
    if category in RUNNABLE:
        weight = DOUBLE_EXTENSION_RUNNABLE
    elif last in tables.pages:
        weight = DOUBLE_EXTENSION_PAGE
    elif category:
        weight = DOUBLE_EXTENSION_DANGEROUS
    elif last in tables.archives and exts[-2] not in tables.archives:
        weight = DOUBLE_EXTENSION_ARCHIVE
    else:
        return None
    evidence: dict[str, str | list[str]] = {"shown_extension": exts[-2], "real_extension": last}
    if _padding(name):
        evidence["padding"] = "yes"
    return NameHit("attachment.double_extension", weight, evidence)


def name_hits(name: str, tables: PayloadTables) -> list[NameHit]:
    """Everything deceptive about one file name (empty for an honest one)."""
    if not name:
        return []
    hits = _deceptive(name, tables)
    double = _double_extension(name, tables)
    if double is not None:
        hits.append(double)
    return hits
