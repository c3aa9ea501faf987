"""HTML and SVG attachments: smuggling, credential forms, redirects, obfuscated script.

An HTML file opened from a mail runs locally in the browser, outside any web filter. Attackers use
that to assemble a file from embedded data and drop it (HTML smuggling: atob/Uint8Array + Blob +
msSaveOrOpenBlob / createObjectURL / a ``download`` link), to show a fake sign-in page whose form
posts elsewhere, to bounce the reader to a site (meta refresh, ``window.location``), or to hide
all of that in an encoded blob decoded at run time (eval/unescape/String.fromCharCode/atob).
Nothing is rendered or run: the markup is parsed (selectolax) and the script text is read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from selectolax.lexbor import LexborHTMLParser

from rempart.analyzers.payload.report import Item
from rempart.message.html import view_html
from rempart.message.model import UrlOrigin
from rempart.message.urls import find_urls

if TYPE_CHECKING:
    from rempart.analyzers.payload.deep import Deep

SMUGGLING = 0.8
CREDENTIAL_FORM = 0.7
REDIRECT = 0.5
OBFUSCATED_SCRIPT = 0.5
# "ClickFix": a fake check ("vérifiez que vous n'êtes pas un robot") that copies a command to the clipboard and tells
# the reader to paste it into the Run box (Windows+R, Ctrl+V, Enter): the reader runs the malware by hand.
CLIPBOARD_COMMAND = 0.8
SVG_SCRIPT = 0.6
# An SVG picture carrying a clickable web link: drawn to look like a player, a document or a button, it is a link
# that mail filters reading the message's own links do not see (a "voicemail" sent as an .svg).
SVG_LINK = 0.45
MAX_HTML_CHARS = 4_000_000
_DECODE = re.compile(r"\batob\s*\(|Uint8Array|charCodeAt|base64ToArrayBuffer|\bdecodeURIComponent\s*\(", re.I)
_BUILD = re.compile(r"new\s+(?:Blob|File)\s*\(", re.IGNORECASE)
_SAVE = re.compile(
    r"msSaveOrOpenBlob|msSaveBlob|createObjectURL|\.download\s*=|\.setAttribute\(\s*['\"]download",
    re.IGNORECASE,
)
_DOWNLOAD_NAME = re.compile(
    r"""(?:\.download\s*=\s*|download\s*=\s*|msSaveOrOpenBlob\([^,]{1,200},\s*)["']([^"'<>]{1,120})["']""",
    re.IGNORECASE,
)
_DATA_DOWNLOAD = re.compile(
    r"""<a\b[^>]*href\s*=\s*["']data:[^"']{200,}["'][^>]*\bdownload\b""", re.IGNORECASE | re.S
)
_LOCATION = re.compile(
    r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["'`]([^"'`]{4,500})["'`]"""
    r"""|location\.(?:replace|assign)\s*\(\s*["'`]([^"'`]{4,500})["'`]""",
    re.IGNORECASE,
)
_DYNAMIC_LOCATION = re.compile(
    r"(?:window\.)?location(?:\.href)?\s*=\s*[A-Za-z_$(]|location\.(?:replace|assign)\s*\(\s*[A-Za-z_$(]",
    re.IGNORECASE,
)
_META_REFRESH = re.compile(r"""^\s*\d*\s*[;,]?\s*url\s*=\s*['"]?([^'"\s>]+)""", re.IGNORECASE)
_EVAL_LIKE = re.compile(
    r"\beval\s*\(|\bunescape\s*\(|String\.fromCharCode|\batob\s*\(|document\.write\s*\(|"
    r"new\s+Function\s*\(|\bFunction\s*\(\s*['\"]",
    re.IGNORECASE,
)
_CLIPBOARD_WRITE = re.compile(r"clipboard\.writeText|execCommand\(\s*['\"]copy|clipboardData\.setData", re.I)
_SHELL_COMMAND = re.compile(
    r"\b(?:powershell|pwsh|mshta|rundll32|regsvr32|bitsadmin|certutil|wscript|cscript|conhost|msiexec|"
    r"invoke-expression|invoke-webrequest|iex|cmd(?:\.exe)?\s*/[ck]|curl\s+-|start-process)\b",
    re.I,
)
_RUN_DIALOG = re.compile(
    r"(?:windows|win|⊞)\s*(?:\+|key\s*\+|-)\s*r\b|touche windows\s*\+\s*r|(?:ctrl|strg)\s*\+\s*v\b", re.I
)
_BASE64_BLOB = re.compile(r"[A-Za-z0-9+/]{1000,}={0,2}")
_ESCAPED_BLOB = re.compile(
    r"(?:%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|&#x?[0-9A-Fa-f]{1,6};){300,}"
)
_CHARCODE_LIST = re.compile(r"(?:\d{2,3}\s*,\s*){300,}")


def _scripts(tree: LexborHTMLParser, text: str) -> str:
    parts = [node.text(deep=True) or "" for node in tree.css("script")]
    parts.extend(
        v
        for node in tree.css("[onload], [onerror], [onclick], [onmouseover]")
        for k, v in node.attributes.items()
        if k.startswith("on") and v
    )
    joined = "\n".join(parts)
    return joined if joined.strip() else ""


def _smuggling(item: Item, deep: Deep, text: str, script: str) -> None:
    data_link = _DATA_DOWNLOAD.search(text)
    if (_DECODE.search(script) and _BUILD.search(script) and _SAVE.search(script)) or data_link:
        name = _DOWNLOAD_NAME.search(script or text)
        evidence: dict[str, Any] = {
            "member": item.path,
            "technique": "data-uri download link" if data_link else "blob built from script",
        }
        if name:
            evidence["dropped_file"] = name.group(1)
        deep.report.add("attachment.html_smuggling", SMUGGLING, item.path, **evidence)


def _forms(item: Item, deep: Deep, tree: LexborHTMLParser) -> list[str]:
    passwords = tree.css("input[type=password], input[type=PASSWORD]")
    actions: list[str] = []
    for form in tree.css("form"):
        action = (form.attributes.get("action") or "").strip()
        if action:
            actions.append(action)
    if passwords:
        names = [(n.attributes.get("name") or n.attributes.get("id") or "") for n in passwords][:5]
        posts_to = next((a for a in actions if "://" in a), actions[0] if actions else "script")
        deep.report.add(
            "attachment.html_credential_form",
            CREDENTIAL_FORM,
            item.path,
            member=item.path,
            posts_to=posts_to[:300],
            fields=[n for n in names if n],
        )
    return [a for a in actions if "://" in a]


def _redirects(item: Item, deep: Deep, tree: LexborHTMLParser, script: str) -> list[str]:
    targets: list[str] = []
    for meta in tree.css("meta"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() == "refresh":
            found = _META_REFRESH.search(meta.attributes.get("content") or "")
            if found:
                targets.append(found.group(1))
    for match in _LOCATION.finditer(script):
        targets.append(match.group(1) or match.group(2))
    remote = [t for t in targets if "://" in t or t.startswith("//")]
    if remote:
        deep.report.add(
            "attachment.html_redirect", REDIRECT, item.path, member=item.path, target=remote[0][:300]
        )
    elif _DYNAMIC_LOCATION.search(script):
        deep.report.add(
            "attachment.html_redirect", REDIRECT, item.path, member=item.path, target="(computed by script)"
        )
    return remote


def _obfuscation(item: Item, deep: Deep, script: str) -> None:
    decoder = _EVAL_LIKE.search(script) if script else None
    if decoder is None:
        return
    for kind, pattern in (
        ("base64", _BASE64_BLOB),
        ("escaped", _ESCAPED_BLOB),
        ("char codes", _CHARCODE_LIST),
    ):
        blob = pattern.search(script)
        if blob:
            deep.report.add(
                "attachment.html_obfuscated_script",
                OBFUSCATED_SCRIPT,
                item.path,
                member=item.path,
                encoding=kind,
                blob_chars=len(blob.group(0)),
                decoder=decoder.group(0).strip("( "),
            )
            return


def _clipboard_command(item: Item, deep: Deep, text: str, script: str) -> None:
    """A script that puts a shell command on the clipboard, or a page telling the reader to paste into the Run box."""
    copies = bool(script) and _CLIPBOARD_WRITE.search(script) is not None
    command = _SHELL_COMMAND.search(script) if script else None
    run_box = _RUN_DIALOG.search(text)
    if (copies and (command or run_box)) or (run_box and command):
        deep.report.add(
            "attachment.html_clipboard_command",
            CLIPBOARD_COMMAND,
            item.path,
            member=item.path,
            command=(command.group(0) if command else "(copied by script)"),
            instructions=bool(run_box),
        )


def _svg_link(item: Item, deep: Deep, tree: LexborHTMLParser) -> None:
    for anchor in tree.css("a"):
        href = (anchor.attributes.get("xlink:href") or anchor.attributes.get("href") or "").strip()
        if href.lower().startswith(("http://", "https://", "//")):
            deep.report.add("attachment.svg_link", SVG_LINK, item.path, member=item.path, url=href[:500])
            return


def open_markup(item: Item, deep: Deep, svg: bool) -> None:
    text = item.data[:MAX_HTML_CHARS].decode("utf-8", "replace")
    tree = LexborHTMLParser(text)
    script = _scripts(tree, text)
    if svg and (
        script or (tree.css_first("foreignObject") is not None and tree.css_first("input") is not None)
    ):
        deep.report.add(
            "attachment.svg_script", SVG_SCRIPT, item.path, member=item.path, sample=script.strip()[:160]
        )
    elif svg:
        _svg_link(item, deep, tree)
    _smuggling(item, deep, text, script)
    actions = _forms(item, deep, tree)
    redirects = _redirects(item, deep, tree, script)
    _obfuscation(item, deep, script)
    _clipboard_command(item, deep, text, script)
    view = view_html(text)
    urls = [raw for raw, origin, _shown in view.links if origin is not UrlOrigin.IMAGE]
    urls.extend(find_urls(script)[:50])
    deep.report.add_urls(
        item.path, "html", [u for u in [*actions, *redirects, *urls] if "://" in u or u.startswith("//")]
    )
