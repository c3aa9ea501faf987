"""A small, tolerant MIME splitter over bytes: header blocks, parameters and multipart bodies.

It replaces the stdlib feed parser for speed (bytes ``find`` instead of a line-by-line state machine
and a regex compiled per boundary) and for control: it never recurses by itself, so the caller bounds
depth, and it reports the same kinds of defects (missing boundaries, a header block without its blank
line) as stable codes. Header values are returned raw (folded, RFC 2047 words not decoded); invalid
UTF-8 bytes in them are kept as surrogates for ``headers.decode_value`` to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import unquote_to_bytes

from rempart.message._cache import text_cache
from rempart.message.charset import codec_for

_HEADER_LINE = re.compile(r"([!-9;-~]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)")
# _HEADER_LINE with the newline that ends it: a scanner matches it line after line, each match
# starting where the previous one ended, exactly where the loop in parse_part would try next.
_HEADER_LINE_NL = re.compile(r"([!-9;-~]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)(?:\n|\Z)")
_CONTINUATION_RUN = re.compile(r"(?:[ \t][^\n]*(?:\n|$))*")
_PARAM = re.compile(r';\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_RFC2231_NAME = re.compile(r"^(.+?)\*(?:(\d{1,3})(\*)?)?$")
_MAX_HEADERS = 20_000
_SURROGATE = re.compile("[\udc80-\udcff]+")


@dataclass(slots=True)
class Part:
    headers: list[tuple[str, str]]  # (name as written, raw value)
    body: bytes  # still transfer-encoded
    defects: list[str] = field(default_factory=list)  # defect codes met while splitting
    _index: dict[str, str] | None = None

    def get_raw(self, lowered: str, default: str = "") -> str:
        """First value of a header as written (invalid UTF-8 kept as surrogates), by lower-case name."""
        if self._index is None:
            index: dict[str, str] = {}
            for name, value in self.headers:
                index.setdefault(name.lower(), value)
            self._index = index
        return self._index.get(lowered, default)

    def get(self, lowered: str, default: str = "") -> str:
        """First value of a header, by lower-case name; invalid UTF-8 bytes read as Windows-1252."""
        value = self.get_raw(lowered, default)
        return value if value.isascii() else fix_surrogates(value)

    @property
    def boundary(self) -> str | None:
        """The multipart boundary exactly as written (it is matched against raw bytes)."""
        value = self.get_raw("content-type")
        return split_params(value)[1].get("boundary") if value else None

    @property
    def content_type(self) -> str:
        value = self.get("content-type")
        if not value:
            return "text/plain"
        main = split_params(value)[0]
        return main if "/" in main and " " not in main else "text/plain"

    def param(self, header: str, name: str) -> str | None:
        value = self.get(header)
        return split_params(value)[1].get(name) if value else None

    @property
    def disposition(self) -> str:
        value = self.get("content-disposition")
        return split_params(value)[0] if value else ""

    @property
    def filename(self) -> str:
        return self.param("content-disposition", "filename") or self.param("content-type", "name") or ""

    @property
    def transfer_encoding(self) -> str:
        return self.get("content-transfer-encoding").strip().lower()


def fix_surrogates(value: str) -> str:
    """Text where the bytes the UTF-8 reading could not decode (kept as surrogates) are Windows-1252."""
    return _SURROGATE.sub(_as_cp1252, value)


def _as_cp1252(match: re.Match[str]) -> str:
    return match.group(0).encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def _rfc2231_value(pieces: list[tuple[int, bool, str]]) -> str:
    pieces.sort()
    charset = ""
    chunks: list[bytes] = []
    for index, (_, encoded, text) in enumerate(pieces):
        if encoded:
            if index == 0 and text.count("'") >= 2:
                charset, _, rest = text.split("'", 2)
                text = rest
            chunks.append(unquote_to_bytes(text.encode("utf-8", "surrogateescape")))
        else:
            chunks.append(text.encode("utf-8", "surrogateescape"))
    data = b"".join(chunks)
    codec = codec_for(charset) if charset else "utf-8"
    try:
        return data.decode(codec or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", "replace")


@text_cache(4096)
def split_params(value: str) -> tuple[str, dict[str, str]]:
    """``text/plain; charset="utf-8"`` → ``("text/plain", {"charset": "utf-8"})``, RFC 2231 resolved."""
    value = value.replace("\r", "").replace("\n", "")
    main, sep, _ = value.partition(";")
    params: dict[str, str] = {}
    if not sep:
        return main.strip().lower(), params
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for match in _PARAM.finditer(value, len(main)):
        name = match.group(1).lower()
        raw = match.group(2).strip()
        if raw.startswith('"'):
            raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:])
        star = _RFC2231_NAME.match(name) if "*" in name else None
        if star:
            number = int(star.group(2)) if star.group(2) else 0
            encoded = bool(star.group(3)) or star.group(2) is None
            extended.setdefault(star.group(1), []).append((number, encoded, raw))
        else:
            params.setdefault(name, raw)
    for name, pieces in extended.items():
        params[name] = _rfc2231_value(pieces)  # the extended form wins over a plain fallback
    return main.strip().lower(), params


def _header_end(data: bytes) -> tuple[int, int]:
    """(end of the header block, start of the body): at the first empty line."""
    if data.startswith(b"\r\n"):
        return 0, 2
    if data.startswith(b"\n"):
        return 0, 1
    # Search first for the blank line of the line ending the first line uses, then for the other
    # kind only before it: a CRLF message has no "\n\n" at all, and an unbounded search for it would
    # read the whole message (attachments included). Which one comes first is decided the same way.
    first_line_end = data.find(b"\n")
    if first_line_end > 0 and data[first_line_end - 1] == 13:
        crlf = data.find(b"\n\r\n")
        lf = data.find(b"\n\n", 0, crlf + 1) if crlf != -1 else data.find(b"\n\n")
    else:
        lf = data.find(b"\n\n")
        crlf = data.find(b"\n\r\n", 0, lf + 2) if lf != -1 else data.find(b"\n\r\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        return crlf + 1, crlf + 3
    if lf != -1:
        return lf + 1, lf + 2
    return len(data), len(data)


def parse_part(data: bytes) -> Part:
    """Split one entity into its headers and (still encoded) body."""
    end, body_start = _header_end(data)
    block = data[:end]
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    text = block.decode("ascii") if block.isascii() else block.decode("utf-8", "surrogateescape")
    defects: list[str] = []
    pos = 0
    size = len(text)
    if text.startswith("From "):  # mbox envelope line
        pos = text.find("\n") + 1 or size
    elif text[:1] in (" ", "\t"):
        defects.append("header_first_line_continuation")
        pos = _CONTINUATION_RUN.match(text).end()  # type: ignore[union-attr]
    rest = b""
    # The run of well-formed header lines is read by the scanner (no Python step per line); the loop
    # below takes over at the first line it does not match, as it would have reached it.
    # Pattern.scanner is CPython's own (re.Scanner is built on it), absent from the type stubs.
    scanner = _HEADER_LINE_NL.scanner(text, pos)  # type: ignore[attr-defined]
    matches: list[re.Match[str]] = list(islice(iter(scanner.match, None), _MAX_HEADERS + 1))
    headers: list[tuple[str, str]] = [(match[1], match[2]) for match in matches[:_MAX_HEADERS]]
    if len(matches) > _MAX_HEADERS:
        defects.append("too_many_headers")
        pos = size
    elif matches:
        pos = matches[-1].end()
    while pos < size:
        match = _HEADER_LINE.match(text, pos)
        if match:
            if len(headers) >= _MAX_HEADERS:
                defects.append("too_many_headers")
                break
            headers.append((match.group(1), match.group(2)))
            pos = match.end() + 1
            continue
        line_end = text.find("\n", pos)
        line = text[pos:] if line_end == -1 else text[pos:line_end]
        if line.startswith(("From ", ">From ")):
            defects.append("misplaced_envelope_header")
            pos = size if line_end == -1 else line_end + 1
            continue
        if line.strip():
            defects.append("missing_header_body_separator")
            rest = text[pos:].encode("utf-8", "surrogateescape")
            body_start = end
        break
    return Part(headers, rest + data[body_start:] if rest else data[body_start:], defects)


def _is_delimiter_end(data: bytes, pos: int) -> tuple[bool, bool, int]:
    """After ``--boundary`` at ``pos``: (is a delimiter, is the close delimiter, start of the next line)."""
    close = data.startswith(b"--", pos)
    if close:
        pos += 2
    eol = data.find(b"\n", pos)
    rest = data[pos:] if eol == -1 else data[pos:eol]
    if rest.strip(b" \t\r"):
        # "--boundaryXYZ": a longer boundary of an inner part, or a close line with trailing garbage.
        return (close, close, len(data) if eol == -1 else eol + 1)
    return True, close, len(data) if eol == -1 else eol + 1


def split_multipart(body: bytes, boundary: str, max_parts: int) -> tuple[list[bytes], list[str]]:
    """The encapsulated parts of a multipart body, and defect codes (missing delimiters, too many parts)."""
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    parts: list[bytes] = []
    defects: list[str] = []
    start: int | None = None  # where the current part's content starts
    pos = 0
    closed = False
    while True:
        found = body.find(delimiter, pos)
        if found == -1:
            break
        if found and body[found - 1] != 10:  # not at the start of a line
            pos = found + 1
            continue
        ok, close, next_line = _is_delimiter_end(body, found + len(delimiter))
        if not ok:
            pos = found + 1
            continue
        if start is not None:
            end = found - 1 if found else 0
            if end > start and body[end - 1] == 13:
                end -= 1
            parts.append(body[start:max(start, end)])
            if len(parts) >= max_parts:
                defects.append("too_many_parts")
                return parts, defects
        if close:
            closed = True
            break
        start = next_line
        pos = next_line
    if start is None:
        defects.append("mime_start_boundary_missing")
    elif not closed:
        defects.append("mime_close_boundary_missing")
        parts.append(body[start:])
    return parts, defects
