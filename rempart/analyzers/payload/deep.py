"""The deep analysis of one attachment: what it is, what it holds, recursively, within budgets.

Runs inside the bounded child (``sandbox``). ``Deep.analyze`` sniffs the true type, scans with
YARA, then hands the bytes to the parser for that type (archives, Office, PDF, HTML/SVG, images).
Parsers call ``Deep.child`` for every file they find inside; ``child`` judges the member's name and
type against its container (a shortcut inside a disk image, a script inside a zip) and recurses
until ``max_archive_depth``. Results are plain JSON (``Report``), turned into findings by the parent.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pypdf import PdfWriter

from rempart.analyzers.payload import archives, html, images, office, pdf
from rempart.analyzers.payload.filetype import dangerous_category, true_type
from rempart.analyzers.payload.names import extension, name_hits
from rempart.analyzers.payload.report import Item, Report
from rempart.analyzers.payload.tables import RUNNABLE, PayloadTables
from rempart.analyzers.payload.yara_rules import YaraRules
from rempart.config import PayloadSettings

LNK_IN_DISK_IMAGE = 0.85
RUNNABLE_IN_DISK_IMAGE = 0.8
RUNNABLE_IN_ARCHIVE = 0.7
RUNNABLE_EMBEDDED = 0.7
OTHER_DANGEROUS_INSIDE = 0.5  # a disk image, OneNote or installer inside a zip: a container lure
ARCHIVE_LIMIT = 0.2
_ZIP_ARCHIVES = frozenset({"application/zip"})
_OOXML_MARKERS = ("openxmlformats", "macroenabled", "opendocument")
_OLE_TYPES = frozenset(
    {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-ole-storage",
    }
)
_COMPRESSED = frozenset({"application/gzip", "application/x-bzip2", "application/x-xz"})
_DISK_IMAGES = frozenset({"application/x-iso9660-image", "application/x-udf-image"})
_MARKUP = frozenset({"text/html", "image/svg+xml"})
_TEXT_FORMULA_EXTENSIONS = frozenset({"csv", "slk", "iqy", "txt"})


@dataclass(slots=True)
class Deep:
    settings: PayloadSettings
    tables: PayloadTables
    rules: YaraRules
    passwords: tuple[str, ...]
    report: Report

    @classmethod
    def start(
        cls, settings: PayloadSettings, tables: PayloadTables, rules: YaraRules, passwords: tuple[str, ...]
    ) -> Deep:
        report = Report(members_left=settings.max_archive_members, bytes_left=settings.max_expanded_bytes)
        return cls(settings, tables, rules, passwords, report)

    # -- budgets -----------------------------------------------------------------------------------

    def take_member(self, container: Item) -> bool:
        if self.report.members_left <= 0:
            self.report.add(
                "attachment.analysis_limit",
                ARCHIVE_LIMIT,
                container.path,
                limit="members",
                bound=self.settings.max_archive_members,
            )
            return False
        self.report.members_left -= 1
        return True

    # -- members -------------------------------------------------------------------------------------

    def name_only(self, container: Item, name: str, kind: str) -> None:
        """A member we can name but not read (encrypted, damaged, rar without unrar)."""
        self._judge_member(
            Item(f"{container.path}/{name}", name, b"", container.depth + 1, kind, container.encrypted_with),
            "",
        )

    def child(self, container: Item, name: str, data: bytes, kind: str, encrypted_with: str = "") -> None:
        item = Item(
            f"{container.path}/{name}",
            name,
            data,
            container.depth + 1,
            kind,
            encrypted_with or container.encrypted_with,
        )
        if item.depth > self.settings.max_archive_depth:
            self.report.add(
                "attachment.analysis_limit",
                ARCHIVE_LIMIT,
                container.path,
                limit="depth",
                bound=self.settings.max_archive_depth,
            )
            return
        self.analyze(item)

    def _judge_member(self, item: Item, sniffed: str) -> None:
        for hit in name_hits(item.name, self.tables):
            self.report.add(hit.code, hit.weight, item.path, **hit.evidence)
        category, why = dangerous_category(item.name, sniffed, self.tables)
        if not category:
            return
        evidence: dict[str, Any] = {"member": item.path, "category": category, "identified_by": why}
        if sniffed:
            evidence["true_type"] = sniffed
        if item.encrypted_with:
            evidence["password"] = item.encrypted_with
        if item.container == "disk_image":
            if category == "shortcut":
                self.report.add("attachment.disk_image_payload", LNK_IN_DISK_IMAGE, item.path, **evidence)
            elif category in RUNNABLE:
                self.report.add(
                    "attachment.disk_image_payload", RUNNABLE_IN_DISK_IMAGE, item.path, **evidence
                )
        elif item.container == "archive":
            weight = RUNNABLE_IN_ARCHIVE if category in RUNNABLE else OTHER_DANGEROUS_INSIDE
            self.report.add("attachment.archive_dangerous_member", weight, item.path, **evidence)
        else:
            weight = RUNNABLE_EMBEDDED if category in RUNNABLE else OTHER_DANGEROUS_INSIDE
            self.report.add(
                "attachment.embedded_dangerous_file", weight, item.path, container=item.container, **evidence
            )

    # -- one file ----------------------------------------------------------------------------------------

    def yara(self, data: bytes, location: str, scanned: str = "file") -> None:
        for match in self.rules.match(data, int(self.settings.timeout_seconds) + 1):
            self.report.add(
                "attachment.yara_match",
                match.weight,
                f"{location}#{match.rule}",
                rule=match.rule,
                description=match.description,
                scanned=scanned,
                member=location,
            )

    def analyze(self, item: Item) -> None:
        sniffed = true_type(item.data)
        if item.depth > 0:
            self._judge_member(item, sniffed)
        if not item.data:
            return
        self.yara(item.data, item.path)
        self.dispatch(item, sniffed)

    def dispatch(self, item: Item, sniffed: str) -> None:
        ext = extension(item.name, self.tables)
        if sniffed in _ZIP_ARCHIVES:
            archives.open_zip(item, self)
        elif any(marker in sniffed for marker in _OOXML_MARKERS):
            office.open_ooxml(item, self, sniffed)
        elif sniffed in _OLE_TYPES:
            office.open_ole(item, self)
        elif sniffed == "application/rtf":
            office.open_rtf(item, self)
        elif sniffed == "application/onenote":
            office.open_onenote(item, self)
        elif sniffed == "application/pdf":
            pdf.open_pdf(item, self)
        elif sniffed in _MARKUP or (not sniffed and ext in self.tables.pages):
            html.open_markup(item, self, sniffed == "image/svg+xml" or ext in ("svg", "svgz"))
        elif sniffed.startswith("image/"):
            images.open_image(item, self)
        elif sniffed == "application/x-7z-compressed":
            archives.open_7z(item, self)
        elif sniffed == "application/vnd.rar":
            archives.open_rar(item, self)
        elif sniffed == "application/x-tar":
            archives.open_tar(item, self)
        elif sniffed in _COMPRESSED:
            archives.open_compressed(item, self, sniffed)
        elif sniffed in _DISK_IMAGES:
            archives.open_iso(item, self)
        elif not sniffed and ext in _TEXT_FORMULA_EXTENSIONS:
            office.text_formulas(item, self)


def _warm_samples() -> list[tuple[str, bytes]]:
    """Small harmless files of each kind, built here, that exercise every parser once."""
    image = io.BytesIO()
    Image.new("L", (64, 64), 255).save(image, "PNG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "warm")
    pdf_doc = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.write(pdf_doc)
    return [
        ("warm.png", image.getvalue()),
        ("warm.zip", archive.getvalue()),
        ("warm.pdf", pdf_doc.getvalue()),
        ("warm.html", b"<html><body><form action='https://a.example/'><input name=q></form></body></html>"),
    ]


def warm_up(settings: PayloadSettings, tables: PayloadTables, rules: YaraRules) -> bool:
    """Run every parser once in this (parent) process, so lazily imported modules and plugins are
    loaded before the fork instead of again in every child."""
    Image.init()
    for name, data in _warm_samples():
        analyze_attachment(Deep.start(settings, tables, rules, ()), name, data)
    return True


def analyze_attachment(deep: Deep, name: str, data: bytes) -> dict[str, Any]:
    """The child-side job for one attachment: everything found in it, as JSON."""
    deep.analyze(Item(name or "(unnamed)", name, data))
    return deep.report.to_json()
