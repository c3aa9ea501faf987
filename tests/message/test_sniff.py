from __future__ import annotations

import io
import struct
import zipfile

import pytest

from rempart.message.sniff import sniff_type


def _zip(*names: str, mimetype: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, b"x")
    return buf.getvalue()


def _ole(stream_name: str = "", clsid: bytes = b"\x00" * 16) -> bytes:
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 0x1E, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 0x30, 0)  # first directory sector: 0 → at offset 512
    directory = bytearray(512)
    directory[0x50:0x60] = clsid
    name = stream_name.encode("utf-16-le")
    directory[128 : 128 + len(name)] = name
    return bytes(header + directory)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xef\xbb\xbfjunk%PDF-1.4", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a..", "image/gif"),
        (b"BM" + b"\x10\x00\x00\x00" + b"\x00\x00\x00\x00" + b"\x36" * 20, "image/bmp"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"{\\rtf1\\ansi", "application/rtf"),
        (b"MZ\x90\x00", "application/x-msdownload"),
        (b"\x7fELF\x02", "application/x-elf"),
        (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x02", "application/x-mach-binary"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x34", "application/java-vm"),
        (b"\x00" * 0x8001 + b"CD001", "application/x-iso9660-image"),
        (b"\x00" * 0x8001 + b"BEA01", "application/x-udf-image"),
        (b"vhdxfile", "application/x-vhdx"),
        (b"\x00" * 600 + b"conectix" + b"\x00" * 504, "application/x-vhd"),
        (
            b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F",
            "application/x-ms-shortcut",
        ),
        (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3", "application/onenote"),
        (b"ITSF\x03\x00", "application/vnd.ms-htmlhelp"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"Rar!\x1a\x07\x01\x00", "application/vnd.rar"),
        (b"\x1f\x8b\x08", "application/gzip"),
        (b"BZh91AY", "application/x-bzip2"),
        (b"\xfd7zXZ\x00", "application/x-xz"),
        (b"MSCF\x00\x00\x00\x00", "application/vnd.ms-cab-compressed"),
        (b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'>", "image/svg+xml"),
        (b"  <!DOCTYPE html><html>", "text/html"),
        (b"<!-- saved --><html><body>", "text/html"),
        (b"hello world", ""),
        (b"", ""),
    ],
)
def test_magic(data: bytes, expected: str) -> None:
    assert sniff_type(data) == expected


def test_office_and_java_archives_by_member_names() -> None:
    assert sniff_type(_zip("[Content_Types].xml", "word/document.xml")) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert sniff_type(_zip("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin")) == (
        "application/vnd.ms-excel.sheet.macroenabled.12"
    )
    assert sniff_type(_zip("[Content_Types].xml", "ppt/presentation.xml")) == (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    assert sniff_type(_zip("META-INF/MANIFEST.MF", "a/B.class")) == "application/java-archive"
    assert sniff_type(_zip("content.xml", mimetype=b"application/vnd.oasis.opendocument.text")) == (
        "application/vnd.oasis.opendocument.text"
    )
    assert sniff_type(_zip("readme.txt")) == "application/zip"
    assert sniff_type(_zip("readme.txt")[:40]) == "application/zip"  # truncated: still a zip


def test_ole2_subtypes() -> None:
    assert sniff_type(_ole("WordDocument")) == "application/msword"
    assert sniff_type(_ole("Workbook")) == "application/vnd.ms-excel"
    assert sniff_type(_ole("__substg1.0_0037001F")) == "application/vnd.ms-outlook"
    assert sniff_type(_ole(clsid=bytes.fromhex("84100c0000000000c000000000000046"))) == "application/x-msi"
    assert sniff_type(_ole()) == "application/x-ole-storage"
