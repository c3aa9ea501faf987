"""File names and types: double extensions, deceptive characters, true type against claims."""

from __future__ import annotations

import pytest

from rempart.analyzers.base import Resources
from rempart.analyzers.payload.filetype import dangerous_category, mismatch, true_type
from rempart.analyzers.payload.names import extension, name_hits
from rempart.analyzers.payload.tables import PayloadTables, payload_tables
from rempart.config import Config


@pytest.fixture(scope="module")
def tables() -> PayloadTables:
    return payload_tables(Resources(Config()))


def _codes(name: str, tables: PayloadTables) -> dict[str, float]:
    return {h.code: h.weight for h in name_hits(name, tables)}


@pytest.mark.parametrize(
    ("name", "weight"),
    [
        ("facture.pdf.exe", 0.7),
        ("scan.PDF.js", 0.7),
        ("facture.pdf   .exe", 0.7),
        ("Facture.pdf.exe. . ", 0.7),  # Windows drops trailing dots and spaces
        ("releve.pdf.html", 0.6),
        ("photo.jpg.iso", 0.5),
        ("rapport.pdf.zip", 0.1),
    ],
)
def test_double_extensions(name: str, weight: float, tables: PayloadTables) -> None:
    assert _codes(name, tables)["attachment.double_extension"] == pytest.approx(weight)


@pytest.mark.parametrize(
    "name", ["rapport.2024.pdf", "archive.tar.gz", "v1.2.docx", "README", "", "a.pdf.pdf"]
)
def test_honest_names(name: str, tables: PayloadTables) -> None:
    assert _codes(name, tables) == {}


def test_right_to_left_override_and_invisible_characters(tables: PayloadTables) -> None:
    rtlo = name_hits("facture\u202efdp.exe", tables)[0]
    assert rtlo.weight == pytest.approx(0.8) and rtlo.evidence["characters"] == ["U+202E"]
    invisible = name_hits("D\u034fe\u034ft\u034fails.pdf", tables)[0]
    assert invisible.weight == pytest.approx(0.5) and invisible.evidence["kind"] == "invisible"
    assert extension("facture\u202efdp.exe", tables) == "exe"


def test_true_type_needs_a_real_pe_header() -> None:
    assert true_type(b"MZ this is just text starting with MZ" * 4) == ""
    pe = bytearray(256)
    pe[:2] = b"MZ"
    pe[0x3C:0x40] = (128).to_bytes(4, "little")
    pe[128:132] = b"PE\x00\x00"
    assert true_type(bytes(pe)) == "application/x-msdownload"


def test_dangerous_by_content_wins_over_a_harmless_name(tables: PayloadTables) -> None:
    assert dangerous_category("facture.pdf", "application/x-msdownload", tables) == ("executable", "content")
    assert dangerous_category("outil.ps1", "", tables) == ("script", "extension")
    assert dangerous_category("notes.txt", "", tables) == ("", "")


def test_mismatch_tolerates_harmless_cases(tables: PayloadTables) -> None:
    assert mismatch("photo.jpg", "image/jpeg", "image/png", 5000, tables) is None
    assert mismatch("export.xls", "application/vnd.ms-excel", "text/html", 5000, tables) is None
    assert (
        mismatch(
            "lettre.docx",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            5000,
            tables,
        )
        is None
    )
    assert mismatch("x.pdf", "application/pdf", "application/pdf", 10, tables) is None
    assert mismatch("facture.pdf", "application/pdf", "text/html", 5000, tables) == {
        "claimed": ".pdf",
        "true_type": "text/html",
    }
    assert mismatch("document", "application/pdf", "application/zip", 5000, tables) == {
        "claimed": "application/pdf",
        "true_type": "application/zip",
    }
