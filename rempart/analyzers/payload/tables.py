"""The payload analyzer's data, loaded once per engine from ``rempart/data/payload/*.txt``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as importlib_resources

from rempart.analyzers.base import Resources

# How much a dangerous file type weighs when it is attached directly. Categories come from
# dangerous_extensions.txt; "executable" also covers PE/ELF/Mach-O content whatever the name.
CATEGORY_WEIGHTS: dict[str, float] = {
    "executable": 0.8,
    "script": 0.8,
    "shortcut": 0.8,
    "help": 0.6,
    "installer": 0.6,
    "java": 0.6,
    "system": 0.5,
    "disk_image": 0.5,
    "onenote": 0.5,
    "profile": 0.5,
    "office_link": 0.5,
    "office_addin": 0.4,
}
# Categories that run code the moment the file is opened: inside an archive they are the payload.
RUNNABLE = frozenset({"executable", "script", "shortcut", "help", "installer", "java", "system"})
# Magic-byte types that are dangerous whatever the name says.
TYPE_CATEGORIES: dict[str, str] = {
    "application/x-msdownload": "executable",
    "application/x-elf": "executable",
    "application/x-mach-binary": "executable",
    "application/x-ms-shortcut": "shortcut",
    "application/onenote": "onenote",
    "application/vnd.ms-htmlhelp": "help",
    "application/x-msi": "installer",
    "application/java-archive": "java",
    "application/java-vm": "java",
    "application/x-iso9660-image": "disk_image",
    "application/x-udf-image": "disk_image",
    "application/x-vhd": "disk_image",
    "application/x-vhdx": "disk_image",
}


@dataclass(frozen=True, slots=True)
class PayloadTables:
    dangerous: dict[str, str]  # extension -> category
    decoys: frozenset[str]
    pages: frozenset[str]
    archives: frozenset[str]
    deceptive: dict[str, str]  # character -> "bidi" | "invisible"
    expected_types: dict[str, frozenset[str]]  # extension -> acceptable sniffed types


def _lines(name: str) -> list[list[str]]:
    text = (
        importlib_resources.files("rempart.data")
        .joinpath("payload", f"{name}.txt")
        .read_text(encoding="utf-8")
    )
    rows = (line.split("#", 1)[0].split() for line in text.splitlines())
    return [row for row in rows if row]


def _load() -> PayloadTables:
    return PayloadTables(
        dangerous={row[0].lower(): row[1] for row in _lines("dangerous_extensions") if len(row) >= 2},
        decoys=frozenset(row[0].lower() for row in _lines("decoy_extensions")),
        pages=frozenset(row[0].lower() for row in _lines("page_extensions")),
        archives=frozenset(row[0].lower() for row in _lines("archive_extensions")),
        deceptive={chr(int(row[0], 16)): row[1] for row in _lines("deceptive_characters") if len(row) >= 2},
        expected_types={
            row[0].lower(): frozenset(row[1:]) for row in _lines("extension_types") if len(row) >= 2
        },
    )


def payload_tables(resources: Resources) -> PayloadTables:
    return resources.cached("payload:tables", _load)
