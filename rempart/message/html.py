"""What an HTML body shows a reader, and where its links, forms and images point.

Scripts, styles, ``<head>`` and ``<template>`` are dropped. Elements hidden by inline style
(``display:none``, ``visibility:hidden``, ``font-size:0``, ``opacity:0``, zero ``max-height``) or by the
``hidden`` attribute are removed from the visible text and their characters counted: hiding text from
the reader while a filter still reads it is a classic evasion. Zero-width characters are removed too.
URLs inside hidden parts are still reported (an anchor there gets an empty ``shown_text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from rempart.message.model import UrlOrigin

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0*\.?0*(?:px|pt|em|rem|%)?\s*(?:;|!|$)"
    r"|opacity\s*:\s*0*\.?0*\s*(?:;|!|$)|max-height\s*:\s*0+(?:px)?\s*(?:;|!|$)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")\s]+)\1\s*\)", re.IGNORECASE)
# A newline before block-level tags keeps paragraphs apart in the extracted text.
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|tr|li|ul|ol|h[1-6]|table|blockquote|hr|section|article|center)\b)", re.IGNORECASE
)
_CELL_TAG = re.compile(r"<(?=(?:td|th)\b)", re.IGNORECASE)
_INVISIBLE_CHARS = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_EDGES = re.compile(r" ?\r?\n ?")
_BLANK_LINES = re.compile(r"\n{2,}")  # in HTML only tags break lines; source newlines are spaces
_DROPPED_TAGS = ["script", "style", "head", "template", "title", "noscript"]


@dataclass(slots=True)
class HtmlView:
    text: str = ""  # visible text
    hidden_chars: int = 0  # characters of text hidden by style or attribute
    links: list[tuple[str, UrlOrigin, str | None]] = field(default_factory=list)  # (url, origin, shown text)


def clean_text(text: str) -> str:
    """Collapse runs of spaces, trim lines, drop blank lines and zero-width characters."""
    text = _SPACES.sub(" ", _INVISIBLE_CHARS.sub("", text))
    return _BLANK_LINES.sub("\n", _LINE_EDGES.sub("\n", text)).strip()


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    return style is not None and _HIDDEN_STYLE.search(style) is not None


def _attribute_links(root: LexborNode, view: HtmlView, shown: bool) -> None:
    for node in root.css("a[href], area[href]"):
        href = node.attributes.get("href") or ""
        text = clean_text(node.text(deep=True, separator="", strip=False)) if shown else ""
        view.links.append((href, UrlOrigin.HREF, text))
    for node in root.css("form[action], button[formaction], input[formaction]"):
        view.links.append((node.attributes.get("action") or node.attributes.get("formaction") or "",
                           UrlOrigin.FORM_ACTION, None))
    for node in root.css("img[src], image[href], input[src], [background]"):
        value = node.attributes.get("src") or node.attributes.get("href") or node.attributes.get("background")
        view.links.append((value or "", UrlOrigin.IMAGE, None))
    for node in root.css("[style]"):
        style = node.attributes.get("style") or ""
        if "url(" in style.lower():
            view.links.extend((m.group(2), UrlOrigin.IMAGE, None) for m in _CSS_URL.finditer(style))


def _top_level(nodes: list[LexborNode]) -> list[LexborNode]:
    """The hidden nodes that are not inside another hidden node."""
    ids = {n.mem_id for n in nodes}
    top = []
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            top.append(node)
    return top


def view_html(html: str) -> HtmlView:
    """Visible text, hidden-text size and links of one HTML document (never raises on bad markup)."""
    view = HtmlView()
    if not html.strip():
        return view
    html = _CELL_TAG.sub(" <", _BLOCK_TAG.sub("\n<", html))
    tree = LexborHTMLParser(html)
    root = tree.root
    if root is None:
        return view
    for style in tree.css("style"):
        css = style.text(deep=True)
        if "url(" in css.lower():
            view.links.extend((m.group(2), UrlOrigin.IMAGE, None) for m in _CSS_URL.finditer(css))
    tree.strip_tags(_DROPPED_TAGS)
    hidden = [n for n in root.css("[style], [hidden]") if _is_hidden(n)]
    for node in _top_level(hidden):
        view.hidden_chars += len(clean_text(node.text(deep=True, separator=" ")))
        _attribute_links(node, view, shown=False)
        node.decompose()
    _attribute_links(root, view, shown=True)
    view.text = clean_text(root.text(deep=True, separator="", strip=False))
    return view
