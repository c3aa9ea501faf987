"""Office documents: VBA and XLM macros, DDE, remote templates and external objects, embedded files.

- Macros: ``olevba`` extracts the VBA source; ``mraptor`` judges it the way an analyst checks it —
  malicious when the macro runs by itself (auto-exec) AND writes a file or runs something
  (A and (W or X)). XLM (Excel 4.0) macro sheets are flagged on their own; the source is also
  matched against the YARA rules.
- OOXML relationships with ``TargetMode="External"``: an attached template, OLE object, frame or
  sub-document fetched from the network is how template injection and "Follina" work; hyperlinks
  only feed the links analyzer (``attachment.embedded_urls``, origin ``ooxml``).
- DDE fields (Word), DDE links (Excel) and formula injection in CSV/SLK.
- Embedded objects: OLE "Package" objects carry a whole file (recursed into), the Equation Editor
  object is the classic exploit carrier.
- The text of a Word document's body (``word/document.xml``) is kept, bounded, for the intent analyzer.
- Encrypted documents (``msoffcrypto-tool``): flagged; opened with a body password (or Excel's
  built-in default) and analysed.
Nothing runs: all of this reads structure and text.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import msoffcrypto
import msoffcrypto.exceptions
import olefile
from oletools import mraptor, msodde, oleobj, olevba, rtfobj

from rempart.analyzers.payload.report import Item

if TYPE_CHECKING:
    from rempart.analyzers.payload.deep import Deep

MACRO_AUTO_EXEC_AND_RUN = 0.9  # mraptor: A and (W or X)
MACRO_SUSPICIOUS = 0.5  # auto-exec, or write/execute keywords, but not the full combination
MACRO_PRESENT = 0.3
XLM_MACRO = 0.6
DDE = 0.7
REMOTE_TEMPLATE = 0.8
REMOTE_OLE_EXPLOIT = 0.9  # "mhtml:" / "!x-usc:" targets (CVE-2022-30190 "Follina")
REMOTE_FRAME = 0.6
EQUATION_EDITOR = 0.8
ENCRYPTED_OFFICE = 0.3
ENCRYPTED_OFFICE_DEFAULT_PASSWORD = 0.4
ENCRYPTED_OFFICE_PASSWORD_IN_BODY = 0.5
MAX_XML_BYTES = 8 * 1024 * 1024
MAX_EMBEDDED = 20
MAX_PASSWORD_TRIES = 8
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel opens files encrypted with it without asking

for _name in (
    "olevba",
    "mraptor",
    "msodde",
    "oleobj",
    "rtfobj",
    "olefile",
    "msoffcrypto",
    "ftguess",
    "ppt_parser",
):
    logging.getLogger(_name).setLevel(logging.CRITICAL + 1)

_REMOTE_KINDS = {  # relationship type suffix -> (kind, weight)
    "attachedTemplate": ("template", REMOTE_TEMPLATE),
    "oleObject": ("ole_object", REMOTE_TEMPLATE),
    "frame": ("frame", REMOTE_FRAME),
    "subDocument": ("sub_document", REMOTE_FRAME),
}
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_INSTR_TEXT = re.compile(rb"<w:instrText[^>]*>([^<]*)</w:instrText>")
_FLD_SIMPLE = re.compile(rb"""w:instr\s*=\s*["']([^"']*)["']""")
_WORD_TEXT = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_WORD_PARAGRAPH_END = re.compile(rb"</w:p>|<w:br\s*/>|<w:tab\s*/>")
_DDE_FIELD = re.compile(r"\bDDE(?:AUTO)?\b", re.IGNORECASE)
_DDE_LINK = re.compile(
    rb"""<ddeLink\b[^>]*ddeService\s*=\s*["']([^"']*)["'][^>]*ddeTopic\s*=\s*["']([^"']*)["']"""
)
_FORMULA_DDE = re.compile(
    r"""(?m)(?:^|[,;\t"])\s*[=+\-@]\s*([A-Za-z0-9_.]{2,20})\s*\|\s*['"]?([^'"\r\n!]{0,120})"""
)
_RTF_TEMPLATE = re.compile(rb"""\\\*\\template\s+([^\s}]+)""", re.IGNORECASE)
_URL_IN_CODE = re.compile(r"""https?://[^\s"'<>()]{4,300}""", re.IGNORECASE)
_EQUATION_CLSIDS = frozenset({"0002CE02-0000-0000-C000-000000000046", "0002CE03-0000-0000-C000-000000000046"})
_ONENOTE_FILE_DATA = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")


def _attrs(tag: bytes) -> dict[str, str]:
    return {
        m.group(1).decode("ascii", "replace"): (m.group(2) or m.group(3) or b"").decode("utf-8", "replace")
        for m in _ATTR.finditer(tag)
    }


# -- macros --------------------------------------------------------------------------------------------


def macros(item: Item, deep: Deep) -> None:
    """VBA and XLM macros of any document olevba reads (OLE, OOXML, Word 2003 XML, MHT)."""
    parser = olevba.VBA_Parser(filename=item.name or "document", data=item.data, relaxed=True)
    try:
        if parser.detect_vba_macros():
            _vba(item, deep, parser)
        try:
            xlm = parser.detect_xlm_macros()
        except Exception:  # plugin_biff on a damaged workbook
            xlm = False
        if xlm:
            lines = [str(line)[:120] for line in (parser.xlm_macros or [])][:5]
            deep.report.add("attachment.xlm_macro", XLM_MACRO, item.path, member=item.path, sample=lines)
            deep.yara(
                "\n".join(str(x) for x in (parser.xlm_macros or [])).encode("utf-8", "replace"),
                item.path,
                "xlm macros",
            )
    finally:
        parser.close()


_VBA_REM = re.compile(r"^\s*(?:\d+\s+)?rem\b", re.IGNORECASE)


def _without_vba_comments(code: str) -> str:
    """VBA source with its comments blanked: from an apostrophe outside a string literal to the end of the line,
    and ``Rem`` lines. (A line continued with " _" after a comment is still a comment in VBA; rare, left as is.)"""
    out: list[str] = []
    for line in code.splitlines():
        if _VBA_REM.match(line):
            out.append("")
            continue
        in_string = False
        for i, ch in enumerate(line):
            if ch == '"':
                in_string = not in_string
            elif ch == "'" and not in_string:
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def _vba(item: Item, deep: Deep, parser: olevba.VBA_Parser) -> None:
    modules: list[str] = []
    code_parts: list[str] = []
    for _sub, _stream, vba_filename, vba_code in parser.extract_macros():
        text = vba_code if isinstance(vba_code, str) else bytes(vba_code).decode("latin-1")
        if text.strip():
            modules.append(str(vba_filename))
            code_parts.append(text)
    code = "\n".join(code_parts)
    # MacroRaptor reads keywords anywhere, comments included: "' Called from the Run scenarios button" is no Run
    raptor = mraptor.MacroRaptor(_without_vba_comments(code))
    raptor.scan()
    keywords: list[str] = []
    for kw_type, keyword, _description in parser.analyze_macros() or []:
        if kw_type in ("AutoExec", "Suspicious") and len(keywords) < 15:
            keywords.append(f"{kw_type}:{keyword}")
    evidence: dict[str, Any] = {
        "member": item.path,
        "macros": sorted(set(modules))[:10],
        "keywords": keywords,
    }
    if raptor.suspicious:
        deep.report.add(
            "attachment.macro_auto_exec_and_run",
            MACRO_AUTO_EXEC_AND_RUN,
            item.path,
            auto_exec=raptor.autoexec_match,
            writes=raptor.write_match or "",
            runs=raptor.execute_match or "",
            **evidence,
        )
    elif raptor.autoexec or raptor.write or raptor.execute:
        deep.report.add("attachment.macro_suspicious", MACRO_SUSPICIOUS, item.path, **evidence)
    else:
        deep.report.add("attachment.macro", MACRO_PRESENT, item.path, **evidence)
    deep.report.add_urls(item.path, "macro", _URL_IN_CODE.findall(code))
    deep.yara(code.encode("utf-8", "replace"), item.path, "macro source")


# -- OOXML -------------------------------------------------------------------------------------------


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_XML_BYTES or (info.compress_size and info.file_size / info.compress_size > 1000):
        return b""
    try:
        with archive.open(info) as stream:
            data: bytes = stream.read(MAX_XML_BYTES + 1)
        return data[:MAX_XML_BYTES]
    except (zipfile.BadZipFile, RuntimeError, ValueError, zlib.error, EOFError, NotImplementedError, OSError):
        return b""


def _relationships(item: Item, deep: Deep, name: str, xml: bytes) -> None:
    urls: list[str] = []
    for tag in _RELATIONSHIP.findall(xml):
        attrs = _attrs(tag)
        if attrs.get("TargetMode", "").lower() != "external":
            continue
        target = attrs.get("Target", "").strip()
        kind_key = attrs.get("Type", "").rsplit("/", 1)[-1]
        if (
            target.lower().startswith(("http:", "https:", "ftp:", "file:", "\\\\", "mhtml:"))
            or "://" in target
        ):
            urls.append(target.removeprefix("mhtml:").split("!", 1)[0])
        remote = _REMOTE_KINDS.get(kind_key)
        if remote is None or not target:
            continue
        kind, weight = remote
        lowered = target.lower()
        if "mhtml:" in lowered or "!x-usc:" in lowered or lowered.endswith("!"):
            weight = REMOTE_OLE_EXPLOIT
        deep.report.add(
            "attachment.office_remote_content",
            weight,
            f"{item.path}/{name}#{kind}",
            member=item.path,
            kind=kind,
            target=target[:300],
        )
    deep.report.add_urls(item.path, "ooxml", urls)


def _dde_word(item: Item, deep: Deep, xml: bytes) -> None:
    instructions = b"".join(_INSTR_TEXT.findall(xml)) + b" " + b" ".join(_FLD_SIMPLE.findall(xml))
    text = instructions.decode("utf-8", "replace")
    match = _DDE_FIELD.search(text)
    if match:
        deep.report.add(
            "attachment.dde",
            DDE,
            item.path,
            member=item.path,
            command=text[match.start() : match.start() + 200].strip(),
        )


def _word_text(item: Item, deep: Deep, xml: bytes) -> None:
    """The document's words, one line per paragraph (runs of a paragraph joined as written)."""
    lines = (b"".join(_WORD_TEXT.findall(part)) for part in _WORD_PARAGRAPH_END.split(xml))
    text = "\n".join(html.unescape(line.decode("utf-8", "replace")) for line in lines if line.strip())
    deep.report.add_text(item.path, text)


def open_ooxml(item: Item, deep: Deep, sniffed: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(item.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        deep.report.add("attachment.damaged_archive", 0.0, item.path, format="office")
        return
    with archive:
        names = [i.filename for i in infos]
        if any(n.lower().endswith("vbaproject.bin") for n in names) or any(
            "/macrosheets/" in n.lower() for n in names
        ):
            macros(item, deep)
        if any("/macrosheets/" in n.lower() for n in names):  # olevba reads XLM from OLE workbooks only
            deep.report.add(
                "attachment.xlm_macro",
                XLM_MACRO,
                item.path,
                member=item.path,
                sample=[n for n in names if "/macrosheets/" in n.lower()][:5],
            )
        if "opendocument" in sniffed:
            _odf_macros(item, deep, archive, infos)
        embedded = 0
        for info in infos:
            lower = info.filename.lower()
            if lower.endswith(".rels"):
                _relationships(item, deep, info.filename, _read(archive, info))
            elif (
                lower.startswith("word/")
                and lower.endswith(".xml")
                and any(part in lower for part in ("document", "header", "footer"))
            ):
                xml = _read(archive, info)
                _dde_word(item, deep, xml)
                if lower == "word/document.xml":
                    _word_text(item, deep, xml)
            elif lower.startswith("xl/externallinks/") and lower.endswith(".xml"):
                for service, topic in _DDE_LINK.findall(_read(archive, info)):
                    command = f"{service.decode('utf-8', 'replace')}|{topic.decode('utf-8', 'replace')}"
                    deep.report.add("attachment.dde", DDE, item.path, member=item.path, command=command[:200])
            elif "/embeddings/" in lower and embedded < MAX_EMBEDDED:
                embedded += 1
                if deep.take_member(item):
                    _embedded_object(item, deep, info.filename, _read(archive, info))


def _odf_macros(item: Item, deep: Deep, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    scripts = [
        i
        for i in infos
        if i.filename.startswith("Basic/")
        and i.filename.endswith(".xml")
        and not i.filename.endswith(("script-lb.xml", "script-lc.xml", "dialog-lb.xml", "dialog-lc.xml"))
    ]
    if not scripts:
        return
    code = "\n".join(_read(archive, i).decode("utf-8", "replace") for i in scripts[:20])
    raptor = mraptor.MacroRaptor(code)
    raptor.scan()
    evidence = {"member": item.path, "macros": [i.filename for i in scripts[:10]]}
    if raptor.suspicious:
        deep.report.add(
            "attachment.macro_auto_exec_and_run",
            MACRO_AUTO_EXEC_AND_RUN,
            item.path,
            auto_exec=raptor.autoexec_match,
            writes=raptor.write_match or "",
            runs=raptor.execute_match or "",
            keywords=[],
            **evidence,
        )
    else:
        deep.report.add("attachment.macro", MACRO_PRESENT, item.path, keywords=[], **evidence)
    deep.yara(code.encode("utf-8", "replace"), item.path, "macro source")


def _embedded_object(item: Item, deep: Deep, name: str, data: bytes) -> None:
    if not data:
        return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        _ole_object(item, deep, name, data)
    else:
        deep.child(item, name, data, "office")


def _ole_object(item: Item, deep: Deep, name: str, data: bytes) -> None:
    """An embedded OLE object: a packaged file (recursed into), the Equation Editor, or another document."""
    try:
        ole = olefile.OleFileIO(data)
    except (OSError, ValueError, IndexError):  # olefile's OleFileError is an OSError
        return
    try:
        clsid = (ole.root.clsid or "").upper() if ole.root is not None else ""
        if clsid in _EQUATION_CLSIDS or ole.exists("Equation Native"):
            deep.report.add(
                "attachment.equation_editor",
                EQUATION_EDITOR,
                f"{item.path}/{name}",
                member=item.path,
                object=name,
            )
        if ole.exists("\x01Ole10Native"):
            native = ole.openstream("\x01Ole10Native").read()
            package = oleobj.OleNativeStream(native)
            inner = str(package.filename or "package")
            payload = package.data or b""
            deep.child(item, inner, bytes(payload), "office")
            return
    except Exception:  # a malformed object must not stop the document's analysis
        return
    finally:
        ole.close()
    deep.child(item, name, data, "office")


# -- OLE (binary Office) -------------------------------------------------------------------------------


def _decrypt(item: Item, deep: Deep) -> tuple[bytes | None, str]:
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(item.data))
        if not office.is_encrypted():
            return None, ""
    except Exception:  # not an Office container msoffcrypto knows
        return None, ""
    for password in (EXCEL_DEFAULT_PASSWORD, *deep.passwords[:MAX_PASSWORD_TRIES]):
        try:
            trial = msoffcrypto.OfficeFile(io.BytesIO(item.data))
            trial.load_key(password=password)
            out = io.BytesIO()
            trial.decrypt(out)
            return out.getvalue(), password
        except Exception:  # wrong key: msoffcrypto raises several types
            continue
    return None, "?"


def open_ole(item: Item, deep: Deep) -> None:
    decrypted, password = _decrypt(item, deep)
    if password:
        evidence: dict[str, Any] = {"member": item.path}
        if decrypted is None:
            deep.report.add("attachment.encrypted_document", ENCRYPTED_OFFICE, item.path, **evidence)
            return
        if password == EXCEL_DEFAULT_PASSWORD:
            deep.report.add(
                "attachment.encrypted_document",
                ENCRYPTED_OFFICE_DEFAULT_PASSWORD,
                item.path,
                default_password="yes",
                **evidence,
            )
        else:
            deep.report.add(
                "attachment.encrypted_document_password_in_body",
                ENCRYPTED_OFFICE_PASSWORD_IN_BODY,
                item.path,
                password=password,
                **evidence,
            )
        deep.child(item, item.name, decrypted, "office", password)
        return
    macros(item, deep)
    try:
        ole = olefile.OleFileIO(item.data)
    except Exception:
        return
    try:
        try:
            fields = msodde.process_doc(ole) if ole.exists("WordDocument") else ""
        except Exception:
            fields = ""
        match = _DDE_FIELD.search(fields or "")
        if match:
            deep.report.add(
                "attachment.dde",
                DDE,
                item.path,
                member=item.path,
                command=fields[match.start() : match.start() + 200].strip(),
            )
        objects = [e for e in ole.listdir() if len(e) >= 2 and e[0] in ("ObjectPool", "MBD")][
            : MAX_EMBEDDED * 4
        ]
        seen: set[str] = set()
        for entry in objects:
            folder = "/".join(entry[:2])
            if folder in seen or not deep.take_member(item):
                continue
            seen.add(folder)
            if ole.exists(folder + "/\x01Ole10Native"):
                package = oleobj.OleNativeStream(ole.openstream(folder + "/\x01Ole10Native").read())
                deep.child(item, str(package.filename or "package"), bytes(package.data or b""), "office")
            if ole.exists(folder + "/Equation Native"):
                deep.report.add(
                    "attachment.equation_editor",
                    EQUATION_EDITOR,
                    f"{item.path}/{folder}",
                    member=item.path,
                    object=folder,
                )
    finally:
        ole.close()


# -- RTF ---------------------------------------------------------------------------------------------


def open_rtf(item: Item, deep: Deep) -> None:
    template = _RTF_TEMPLATE.search(item.data[:MAX_XML_BYTES])
    if template and b"://" in template.group(1):
        target = template.group(1).decode("latin-1")[:300]
        deep.report.add(
            "attachment.office_remote_content",
            REMOTE_TEMPLATE,
            f"{item.path}#template",
            member=item.path,
            kind="template",
            target=target,
        )
        deep.report.add_urls(item.path, "ooxml", [target])
    parser = rtfobj.RtfObjParser(item.data)
    parser.parse()
    for index, obj in enumerate(parser.objects[:MAX_EMBEDDED]):
        if not obj.is_ole:
            continue
        class_name = (
            (obj.class_name or b"").decode("latin-1", "replace")
            if isinstance(obj.class_name, bytes)
            else str(obj.class_name or "")
        )
        clsid = str(obj.clsid or "").upper()
        if class_name.lower().startswith("equation") or clsid in _EQUATION_CLSIDS:
            deep.report.add(
                "attachment.equation_editor",
                EQUATION_EDITOR,
                f"{item.path}#object{index}",
                member=item.path,
                object=class_name or clsid,
            )
        if not deep.take_member(item):
            return
        if obj.is_package and obj.olepkgdata:
            deep.child(item, str(obj.filename or f"object{index}"), bytes(obj.olepkgdata), "office")
        elif obj.oledata:
            deep.child(item, f"object{index}.{class_name or 'bin'}", bytes(obj.oledata), "office")


# -- OneNote -----------------------------------------------------------------------------------------


def open_onenote(item: Item, deep: Deep) -> None:
    """Files embedded in a OneNote section (FileDataStoreObject, MS-ONESTORE 2.6.13)."""
    start = 0
    for index in range(MAX_EMBEDDED):
        found = item.data.find(_ONENOTE_FILE_DATA, start)
        if found < 0 or found + 36 > len(item.data):
            return
        length = int.from_bytes(item.data[found + 16 : found + 24], "little")
        begin = found + 36
        payload = item.data[begin : begin + min(length, len(item.data) - begin)]
        start = begin + len(payload)
        if not deep.take_member(item):
            return
        deep.child(item, f"embedded{index + 1}", payload, "onenote")


# -- formulas in text spreadsheets --------------------------------------------------------------------


def text_formulas(item: Item, deep: Deep) -> None:
    """CSV/SLK formula injection that starts a program through DDE (=cmd|'/c ...'!A1)."""
    text = item.data[:MAX_XML_BYTES].decode("utf-8", "replace")
    for match in _FORMULA_DDE.finditer(text):
        service = match.group(1).lower()
        if service in ("cmd", "powershell", "mshta", "msexcel", "rundll32", "excel", "regsvr32", "certutil"):
            deep.report.add(
                "attachment.dde",
                DDE,
                item.path,
                member=item.path,
                command=f"{match.group(1)}|{match.group(2)}"[:200],
            )
            return
