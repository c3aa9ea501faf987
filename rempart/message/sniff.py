"""What a file really is, from its first bytes: a small hand-written magic table.

``sniff_type(data)`` returns a MIME type (``"application/pdf"``) or ``""`` when unknown. It only looks
at fixed offsets and, for ZIP and OLE2 containers, at member names that are cheap to read, so it costs
microseconds. Deep analysis (macros, scripts, archives' contents) belongs to the payload analyzers.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"{\\rt", "application/rtf"),  # Word opens "{\rt" without the "f" too
    (b"\x7fELF", "application/x-elf"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F",
     "application/x-ms-shortcut"),
    # OneNote section: {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}
    (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", "application/onenote"),
    (b"ITSF", "application/vnd.ms-htmlhelp"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"MSCF\x00\x00\x00\x00", "application/vnd.ms-cab-compressed"),
    (b"vhdxfile", "application/x-vhdx"),
    (b"conectix", "application/x-vhd"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"%!PS", "application/postscript"),
    (b"MZ", "application/x-msdownload"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MSI_CLSIDS = frozenset({
    bytes.fromhex("84100c0000000000c000000000000046"),  # installer package
    bytes.fromhex("86100c0000000000c000000000000046"),  # patch (.msp)
    bytes.fromhex("82100c0000000000c000000000000046"),  # transform (.mst)
})
_OLE_STREAMS: tuple[tuple[bytes, str], ...] = tuple(
    (name.encode("utf-16-le"), mime)
    for name, mime in (
        ("__substg1.0_", "application/vnd.ms-outlook"),
        ("WordDocument", "application/msword"),
        ("Workbook", "application/vnd.ms-excel"),
        ("PowerPoint Document", "application/vnd.ms-powerpoint"),
        ("Book", "application/vnd.ms-excel"),
    )
)
_TEXT_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:(svg)\b|(!doctype\s+html|html|head|body|script|meta|iframe|title|div|table|p|form|a)\b)",
    re.IGNORECASE | re.DOTALL,
)
_SVG_ANYWHERE = re.compile(rb"<svg[\s>]", re.IGNORECASE)


def _zip_type(data: bytes) -> str:
    """Office Open XML, OpenDocument and Java archives are ZIPs told apart by their member names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()[:2000]
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:  # truncated or damaged archive: still a zip
        return "application/zip"
    nameset = set(names)
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        return mimetype.decode("ascii", "replace").strip()
    macro = any(n.endswith("vbaProject.bin") for n in names)
    if "[Content_Types].xml" in nameset:
        for prefix, plain, with_macro in (
            ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.ms-word.document.macroenabled.12"),
            ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/vnd.ms-excel.sheet.macroenabled.12"),
            ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "application/vnd.ms-powerpoint.presentation.macroenabled.12"),
        ):
            if any(n.startswith(prefix) for n in names):
                return with_macro if macro else plain
    if "META-INF/MANIFEST.MF" in nameset or any(n.endswith(".class") for n in names):
        return "application/java-archive"
    return "application/zip"


def _ole2_type(data: bytes) -> str:
    try:
        sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        first_dir = struct.unpack_from("<I", data, 0x30)[0]
        root = (first_dir + 1) * sector_size
        if root >= 0 and root + 0x60 <= len(data) and data[root + 0x50 : root + 0x60] in _MSI_CLSIDS:
            return "application/x-msi"
    except (struct.error, ValueError, OverflowError):
        pass
    for name, mime in _OLE_STREAMS:
        if name in data:
            return mime
    return "application/x-ole-storage"


def _at(data: bytes, offset: int, magic: bytes) -> bool:
    return data[offset : offset + len(magic)] == magic


def sniff_type(data: bytes) -> str:
    """The MIME type that ``data``'s magic bytes reveal, or ``""``."""
    if not data:
        return ""
    head = data[:32]
    if head.startswith(_OLE2):
        return _ole2_type(data)
    if head.startswith(_ZIP_PREFIXES):
        return _zip_type(data)
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"BM") and len(data) >= 26 and data[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    if head.startswith(b"\xca\xfe\xba\xbe") and len(data) >= 8:
        # Mach-O universal binaries and Java classes share this magic; a fat header counts few archs.
        fat = struct.unpack_from(">I", data, 4)[0] < 40
        return "application/x-mach-binary" if fat else "application/java-vm"
    for magic, mime in _PREFIXES:
        if head.startswith(magic):
            return mime
    for offset in (0x8001, 0x8801, 0x9001):
        if _at(data, offset, b"CD001"):
            return "application/x-iso9660-image"
        if _at(data, offset, b"BEA01") or _at(data, offset, b"NSR02") or _at(data, offset, b"NSR03"):
            return "application/x-udf-image"
    if len(data) >= 512 and data[-512:-504] == b"conectix":
        return "application/x-vhd"
    if _at(data, 7, b"**ACE**"):
        return "application/x-ace-compressed"
    match = _TEXT_MARKUP.match(data[:2048])
    if match:
        return "image/svg+xml" if match.group(1) else "text/html"
    if data[:5].lower() == b"<?xml" and _SVG_ANYWHERE.search(data[:4096]):
        return "image/svg+xml"
    return ""
