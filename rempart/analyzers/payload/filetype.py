"""What a file really is (magic bytes) against what its name and declared type claim.

``true_type`` refines ``rempart.message.sniff.sniff_type`` where a two-byte magic is too weak
(``MZ`` must lead to a ``PE`` header) and adds tar. ``dangerous_category`` says whether a file runs
code when opened, from its content first and its extension second. ``mismatch`` compares the name's
and the declared type's promise with the content, tolerating the harmless cases (a PNG named .jpg).
"""

from __future__ import annotations

import struct

from rempart.analyzers.payload.names import extension
from rempart.analyzers.payload.tables import TYPE_CATEGORIES, PayloadTables
from rempart.message.sniff import sniff_type

TYPE_MISMATCH = 0.3
MIN_COMPARED_SIZE = 64  # a few bytes of garbage say nothing about a type
# A declared Content-Type is compared by family only: mailers label a .docx "application/msword"
# and a spreadsheet export "application/vnd.ms-excel" all the time; a "PDF" that is HTML is another matter.
_DECLARED_FAMILIES: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({"pdf"}),
    "image/jpeg": frozenset({"image"}),
    "image/png": frozenset({"image"}),
    "image/gif": frozenset({"image"}),
    "application/msword": frozenset({"office"}),
    "application/vnd.ms-excel": frozenset({"office", "html"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({"office"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": frozenset({"office"}),
    "application/zip": frozenset({"zip", "office"}),
    "application/x-zip-compressed": frozenset({"zip", "office"}),
}
_OFFICE_MARKERS = ("msword", "vnd.ms-", "officedocument", "opendocument", "application/rtf", "x-ole-storage")


def _is_pe(data: bytes) -> bool:
    if len(data) < 0x40:
        return False
    offset = struct.unpack_from("<I", data, 0x3C)[0]
    return 0x40 <= offset <= len(data) - 4 and data[offset : offset + 4] == b"PE\x00\x00"


def true_type(data: bytes) -> str:
    sniffed = sniff_type(data)
    if sniffed == "application/x-msdownload" and not _is_pe(data):
        return ""
    if not sniffed and len(data) > 262 and data[257:262] == b"ustar":
        return "application/x-tar"
    return sniffed


def dangerous_category(name: str, sniffed: str, tables: PayloadTables) -> tuple[str, str]:
    """(category, why) — why is "content" or "extension"; ("", "") for a file that does not run code."""
    by_type = TYPE_CATEGORIES.get(sniffed, "")
    if by_type:
        return by_type, "content"
    by_name = tables.dangerous.get(extension(name, tables), "")
    return (by_name, "extension") if by_name else ("", "")


def _acceptable(sniffed: str, expected: frozenset[str]) -> bool:
    if sniffed in expected:
        return True
    if sniffed.startswith("image/") and "image/*" in expected:
        return True
    return not sniffed and "text/plain" in expected


def mismatch(
    name: str, declared: str, sniffed: str, size: int, tables: PayloadTables
) -> dict[str, str] | None:
    """Evidence when the name or the declared type promises something the content is not."""
    if size < MIN_COMPARED_SIZE or not sniffed:
        return None
    ext = extension(name, tables)
    expected = tables.expected_types.get(ext)
    if expected is not None and not _acceptable(sniffed, expected):
        return {"claimed": f".{ext}", "true_type": sniffed}
    families = _DECLARED_FAMILIES.get(declared)
    if families is not None and family(sniffed) not in families:
        return {"claimed": declared, "true_type": sniffed}
    return None


def family(sniffed: str) -> str:
    if sniffed == "application/pdf":
        return "pdf"
    if sniffed.startswith("image/") and sniffed != "image/svg+xml":
        return "image"
    if any(marker in sniffed for marker in _OFFICE_MARKERS):
        return "office"
    if sniffed in ("application/zip", "application/java-archive"):
        return "zip"
    if sniffed == "text/html":
        return "html"
    return sniffed
