"""PDF: JavaScript, automatic actions, Launch, embedded files, URI actions, form submission, QR images,
and the text of the first pages.

``pypdf`` (non-strict) resolves every object a reader can reach from the catalogue — pages,
annotations, form fields, outlines, name trees, including objects hidden in object streams where a
byte-level keyword count (pdfid) sees nothing; fonts and page content are skipped — and each action
dictionary is judged:
JavaScript (weighted higher when the document runs it on open, via /OpenAction or /AA), /Launch,
/SubmitForm to an address, /URI (sent to the links analyzer). Embedded files are extracted and
analysed like archive members (a Factur-X invoice's XML is harmless; a script is not). When pypdf
cannot read the file, a byte-level keyword scan stands in. QR codes: images of the first pages are
decoded (bounded count and pixels), and a QR code drawn as filled squares in the page content (what
PDF generators emit) is redrawn from those rectangles alone into a small bitmap and decoded; other
vector drawings would need real rendering, which Rempart never does. External decoders (jbig2dec)
are never called: JBIG2 images are skipped. The text of the first ``MAX_TEXT_PAGES`` pages is kept
(bounded) for the intent analyzer: a lure sent as a PDF ("call this number about your order", an RIB
with new bank details) has almost nothing in the body.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from typing import TYPE_CHECKING, Any

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from rempart.analyzers.payload import images
from rempart.analyzers.payload.report import Item

logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)  # damaged files are normal input, not log noise

if TYPE_CHECKING:
    from rempart.analyzers.payload.deep import Deep

JAVASCRIPT_ON_OPEN = 0.6
JAVASCRIPT = 0.4
LAUNCH = 0.7
SUBMIT_FORM = 0.4
URI_ON_OPEN = 0.4
ENCRYPTED_PDF = 0.3
PASSWORD_IN_BODY = 0.5
MAX_OBJECTS = 20_000
MAX_DICTIONARIES = 100_000
MAX_JS_BYTES = 256 * 1024
MAX_QR_PAGES = 3
MAX_QR_IMAGES = 6
MAX_PASSWORD_TRIES = 8
MAX_CONTENT_BYTES = 2 * 1024 * 1024  # of one page's content stream, read for vector QR codes
MAX_TEXT_PAGES = 2
MAX_TEXT_CONTENT_BYTES = 512 * 1024  # a page whose content stream is larger is not read for text
MAX_RECTANGLES = 20_000
MIN_QR_RECTANGLES = 60  # a version-1 QR code has well over 100 dark modules
MAX_VECTOR_SIDE = 2000
_NUMBER = rb"(-?\d+(?:\.\d+)?|-?\.\d+)"
_RECTANGLE = re.compile(_NUMBER + rb"\s+" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+re\b")
# Keys whose values hold page content, fonts, images, structure or metadata, never actions.
_NOT_ACTIONS = frozenset(
    {
        "/Parent",
        "/Contents",
        "/Resources",
        "/Font",
        "/XObject",
        "/ColorSpace",
        "/ExtGState",
        "/Pattern",
        "/Shading",
        "/Metadata",
        "/StructTreeRoot",
        "/P",
        "/Thumb",
        "/PieceInfo",
        "/ParentTree",
        "/K",
        "/Widths",
        "/Encoding",
        "/FontDescriptor",
        "/ProcSet",
        "/Properties",
        "/Group",
        "/OCProperties",
        "/MarkInfo",
        "/ViewerPreferences",
        "/DR",
        "/AP",
        "/Dests",
        "/Threads",
        "/B",
    }
)
_RAW_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_RAW_URI = re.compile(rb"/URI\s*\(([^)]{4,500})\)")
_RAW_KEYWORDS = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"/SubmitForm")


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


# The XML invoice data of a hybrid e-invoice, under the file name its standard prescribes: Factur-X (France, PDF/A-3
# since the 2026 e-invoicing reform), ZUGFeRD 1/2 and XRechnung (Germany), Order-X. Every such invoice is a PDF
# with an embedded file: that file is the invoice itself, not active content (it is still analysed as a member).
EINVOICE_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml"})


def _einvoice_data(name: str, data: bytes) -> bool:
    return name.strip().lower() in EINVOICE_NAMES and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _text(value: Any, limit: int = MAX_JS_BYTES) -> str:
    value = _resolve(value)
    if isinstance(value, StreamObject):
        data = value.get_data()[:limit]
        return data.decode("latin-1")
    return str(value)[:limit] if value is not None else ""


class _PdfScan:
    def __init__(self, item: Item, deep: Deep, reader: PdfReader) -> None:
        self.item = item
        self.deep = deep
        self.reader = reader
        self.urls: list[str] = []
        self.auto: set[int] = set()  # ids of action dictionaries triggered on open
        self.embedded = 0

    def reachable(self) -> list[DictionaryObject]:
        """Every dictionary a reader can reach from the catalogue, except page content and resources.

        Actions only run when reachable (document open, pages, annotations, form fields, outlines,
        name trees), and skipping fonts, images and content streams keeps a 100 kB PDF to a few ms.
        """
        found: list[DictionaryObject] = []
        seen: set[tuple[int, int]] = set()
        stack: list[Any] = [self.reader.trailer.get("/Root")]
        while stack and len(found) < MAX_DICTIONARIES:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen or len(seen) >= MAX_OBJECTS:
                    continue
                seen.add(key)
                try:
                    node = node.get_object()
                except Exception:  # a broken reference in a damaged file
                    continue
            if isinstance(node, DictionaryObject):
                found.append(node)
                stack.extend(value for name, value in node.items() if name not in _NOT_ACTIONS)
            elif isinstance(node, ArrayObject):
                stack.extend(node[:1000])
        return found

    def mark_auto(self, action: Any, depth: int = 0) -> None:
        action = _resolve(action)
        if depth > 5:
            return
        if isinstance(action, DictionaryObject):
            self.auto.add(id(action))
            if "/Next" in action:
                self.mark_auto(action["/Next"], depth + 1)
        elif isinstance(action, ArrayObject):
            for entry in action[:20]:
                self.mark_auto(entry, depth + 1)

    def triggers(self, objects: list[Any]) -> None:
        """Mark the actions that run without a click: /OpenAction, /AA (additional actions) and the
        document-level scripts of the /Names /JavaScript tree."""
        for obj in objects:
            if not isinstance(obj, DictionaryObject):
                continue
            if "/OpenAction" in obj:
                self.mark_auto(obj["/OpenAction"])
            additional = _resolve(obj.get("/AA"))
            if isinstance(additional, DictionaryObject):
                for key in list(additional.keys())[:20]:
                    self.mark_auto(additional[key])
            names = _resolve(obj.get("/Names"))
            if isinstance(names, DictionaryObject) and "/JavaScript" in names:
                self.mark_name_tree(names["/JavaScript"], 0)

    def mark_name_tree(self, node: Any, depth: int) -> None:
        node = _resolve(node)
        if not isinstance(node, DictionaryObject) or depth > 8:
            return
        pairs = _resolve(node.get("/Names"))
        if isinstance(pairs, ArrayObject):
            for value in list(pairs)[1:200:2]:
                self.mark_auto(value)
        kids = _resolve(node.get("/Kids"))
        if isinstance(kids, ArrayObject):
            for kid in list(kids)[:50]:
                self.mark_name_tree(kid, depth + 1)

    def action(self, obj: DictionaryObject) -> None:
        kind = str(obj.get("/S", ""))
        on_open = id(obj) in self.auto
        where = self.item.path
        if kind == "/JavaScript" or ("/JS" in obj and kind in ("", "/JavaScript")):
            script = _text(obj.get("/JS"))
            weight = JAVASCRIPT_ON_OPEN if on_open else JAVASCRIPT
            self.deep.report.add(
                "attachment.pdf_javascript",
                weight,
                where,
                member=where,
                trigger="open" if on_open else "user",
                sample=script[:160],
            )
            if script:
                self.deep.yara(script.encode("latin-1", "replace"), where, "pdf javascript")
        elif kind == "/Launch":
            target = _resolve(obj.get("/F")) or _resolve(obj.get("/Win"))
            if isinstance(target, DictionaryObject):
                target = target.get("/F", "")
            self.deep.report.add("attachment.pdf_launch", LAUNCH, where, member=where, target=_text(target, 300))
        elif kind == "/URI":
            uri = _text(obj.get("/URI"), 2000).strip()
            if uri:
                self.urls.append(uri)
                if on_open:
                    self.deep.report.add("attachment.pdf_open_action_uri", URI_ON_OPEN, where, member=where, url=uri)
        elif kind == "/SubmitForm":
            target = _resolve(obj.get("/F"))
            if isinstance(target, DictionaryObject):
                target = target.get("/F", "")
            url = _text(target, 2000).strip()
            if "://" in url:
                self.urls.append(url)
                self.deep.report.add("attachment.pdf_form_submit", SUBMIT_FORM, where, member=where, url=url)

    def file_spec(self, obj: DictionaryObject) -> None:
        files = _resolve(obj.get("/EF"))
        if not isinstance(files, DictionaryObject) or self.embedded >= 20:
            return
        stream = _resolve(files.get("/F") or files.get("/UF"))
        if not isinstance(stream, StreamObject):
            return
        name = _text(obj.get("/UF") or obj.get("/F") or "embedded", 300) or "embedded"
        self.embedded += 1
        if not self.deep.take_member(self.item):
            return
        data = stream.get_data()
        if len(data) > self.deep.report.bytes_left:
            self.deep.report.add("attachment.analysis_limit", 0.2, self.item.path, limit="expanded_bytes", member=name)
            return
        self.deep.report.bytes_left -= len(data)
        code = "attachment.pdf_einvoice_data" if _einvoice_data(name, data) else "attachment.pdf_embedded_file"
        self.deep.report.add(code, 0.0, f"{self.item.path}/{name}", member=self.item.path, file=name)
        self.deep.child(self.item, name, data, "pdf")

    def run(self) -> None:
        objects = self.reachable()
        self.triggers(objects)
        for obj in objects:
            try:
                if "/S" in obj or "/JS" in obj:
                    self.action(obj)
                if "/EF" in obj:
                    self.file_spec(obj)
            except Exception:  # one malformed object must not hide the others
                continue
        self.deep.report.add_urls(self.item.path, "pdf", self.urls)
        self.qr_codes()
        self.page_text()

    def page_text(self) -> None:
        parts: list[str] = []
        try:
            pages = list(self.reader.pages[:MAX_TEXT_PAGES])
        except Exception:  # a broken page tree: no text, and the actions found above stand
            return
        for page in pages:
            try:
                contents = page.get_contents()
                if contents is None or len(contents.get_data()) > MAX_TEXT_CONTENT_BYTES:
                    continue
                parts.append(page.extract_text())
            except Exception:  # damaged page or font: the other pages still count
                continue
        self.deep.report.add_text(self.item.path, "\n".join(parts))

    def qr_codes(self) -> None:
        budget = [MAX_QR_IMAGES]
        for number, page in enumerate(self.reader.pages[:MAX_QR_PAGES], 1):
            where = f"{self.item.path}#page{number}"
            with contextlib.suppress(Exception):  # an image that cannot be decoded: no QR from it
                self.page_images(page, where, budget)
            try:
                contents = page.get_contents()
                data = contents.get_data()[:MAX_CONTENT_BYTES] if contents is not None else b""
                drawn = _vector_qr(data)
            except Exception:  # damaged content stream
                continue
            if drawn is not None:
                images.qr_from_pil(drawn, where, self.deep)

    def page_images(self, page: Any, where: str, budget: list[int]) -> None:
        resources = _resolve(page.get("/Resources"))
        xobjects = _resolve(resources.get("/XObject")) if isinstance(resources, DictionaryObject) else None
        if not isinstance(xobjects, DictionaryObject):
            return
        for name in list(xobjects.keys())[: MAX_QR_IMAGES * 2]:
            if budget[0] <= 0:
                return
            pil = _image(_resolve(xobjects[name]))
            if pil is not None:
                budget[0] -= 1
                images.qr_from_pil(pil, where, self.deep)


def _vector_qr(content: bytes) -> Image.Image | None:
    """A QR code drawn as filled rectangles (``x y w h re``), redrawn into a small bitmap.

    Generators (reportlab and the like) draw QR modules as vector squares; there is then no image to
    decode. Only rectangles are read — no rendering, no fonts, no transforms — and only when there
    are enough small ones to be a code; the bitmap is bounded to ``MAX_VECTOR_SIDE`` pixels.
    """
    boxes = [
        (float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))
        for m in _RECTANGLE.finditer(content)
    ][:MAX_RECTANGLES]
    boxes = [b for b in boxes if 0 < abs(b[2]) < 40 and 0 < abs(b[3]) < 40]
    if len(boxes) < MIN_QR_RECTANGLES:
        return None
    module = min(min(abs(b[2]), abs(b[3])) for b in boxes)
    left = min(min(b[0], b[0] + b[2]) for b in boxes)
    bottom = min(min(b[1], b[1] + b[3]) for b in boxes)
    right = max(max(b[0], b[0] + b[2]) for b in boxes)
    top = max(max(b[1], b[1] + b[3]) for b in boxes)
    scale = 4.0 / module  # four pixels per module
    width, height = int((right - left) * scale) + 1, int((top - bottom) * scale) + 1
    if module <= 0 or max(width, height) > MAX_VECTOR_SIDE:
        return None
    margin = 16
    canvas = Image.new("L", (width + 2 * margin, height + 2 * margin), 255)
    for x, y, w, h in boxes:
        x0, x1 = sorted((x, x + w))
        y0, y1 = sorted((y, y + h))
        box = (
            margin + round((x0 - left) * scale),
            margin + round((top - y1) * scale),
            margin + round((x1 - left) * scale),
            margin + round((top - y0) * scale),
        )
        canvas.paste(0, box)
    return canvas


def _filters(stream: StreamObject) -> list[str]:
    value = _resolve(stream.get("/Filter"))
    if isinstance(value, ArrayObject):
        return [str(_resolve(v)) for v in value]
    return [str(value)] if value is not None else []


def _image(obj: Any) -> Image.Image | None:
    """A PDF image XObject as a Pillow image, for the simple encodings QR codes come in.

    JPEG (DCT) data is handed to Pillow as is; 8-bit grey or RGB raw (Flate) samples are rebuilt
    directly. JPEG 2000, JBIG2, CCITT and indexed colours are skipped: rare for a QR code, and
    costly or external to decode.
    """
    if not isinstance(obj, StreamObject) or obj.get("/Subtype") != "/Image":
        return None
    width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
    if min(width, height) < images.MIN_SIDE or width * height > images.MAX_PIXELS:
        return None
    filters = _filters(obj)
    if filters and filters[-1] == "/DCTDecode":
        return images.decode(obj.get_data())
    if any(f not in ("/FlateDecode", "/Fl") for f in filters) or int(obj.get("/BitsPerComponent", 8)) != 8:
        return None
    space = str(_resolve(obj.get("/ColorSpace", "")))
    mode = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}.get(space)
    if mode is None:
        return None
    data = obj.get_data()
    needed = width * height * (1 if mode == "L" else 3)
    if len(data) < needed:
        return None
    return Image.frombytes(mode, (width, height), data[:needed])


def _raw_scan(item: Item, deep: Deep) -> None:
    """When pypdf cannot parse the file: pdfid-style keyword presence and visible URI actions."""
    data = _RAW_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), item.data)
    present = {k.decode() for k in _RAW_KEYWORDS if re.search(re.escape(k) + rb"(?![A-Za-z])", data)}
    if "/JavaScript" in present or "/JS" in present:
        weight = JAVASCRIPT_ON_OPEN if ("/OpenAction" in present or "/AA" in present) else JAVASCRIPT
        deep.report.add(
            "attachment.pdf_javascript",
            weight,
            item.path,
            member=item.path,
            trigger="unknown",
            keywords=sorted(present),
        )
    if "/Launch" in present:
        deep.report.add("attachment.pdf_launch", LAUNCH, item.path, member=item.path, target="")
    deep.report.add_urls(item.path, "pdf", [m.decode("latin-1") for m in _RAW_URI.findall(data)][:50])


def _unlock(item: Item, deep: Deep, reader: PdfReader) -> bool:
    """Open an encrypted PDF with the empty user password or one from the body; report which."""
    for password in ("", *deep.passwords[:MAX_PASSWORD_TRIES]):
        try:
            if reader.decrypt(password):
                if password:
                    deep.report.add(
                        "attachment.encrypted_document_password_in_body",
                        PASSWORD_IN_BODY,
                        item.path,
                        member=item.path,
                        password=password,
                    )
                return True
        except Exception:  # unsupported algorithm or broken encryption dictionary
            break
    deep.report.add("attachment.encrypted_document", ENCRYPTED_PDF, item.path, member=item.path)
    return False


def open_pdf(item: Item, deep: Deep) -> None:
    try:
        reader = PdfReader(io.BytesIO(item.data), strict=False)
        if reader.is_encrypted and not _unlock(item, deep, reader):
            return
        _PdfScan(item, deep, reader).run()
    except Exception:  # pypdf could not read the structure: fall back to the byte-level scan
        _raw_scan(item, deep)
