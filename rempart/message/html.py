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
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from rempart.message._regex import case_insensitive_alternatives
from rempart.message.model import UrlOrigin

_HIDDEN_STYLE = re.compile(case_insensitive_alternatives((
    r"display\s*:\s*none", r"visibility\s*:\s*hidden", r"font-size\s*:\s*0*\.?0*(?:px|pt|em|rem|%)?\s*(?:;|!|$)",
    r"opacity\s*:\s*0*\.?0*\s*(?:;|!|$)", r"max-height\s*:\s*0+(?:px)?\s*(?:;|!|$)",
)))
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")\s]+)\1\s*\)", re.IGNORECASE)
# A newline before block-level tags keeps paragraphs apart in the extracted text.
_BLOCK_TAG_NAMES = ("p", "div", "br", "tr", "li", "ul", "ol", "h[1-6]", "table", "blockquote", "hr", "section",
                    "article", "center")
_BLOCK_TAG = re.compile(rf"<(?=/?(?:{case_insensitive_alternatives(_BLOCK_TAG_NAMES)})\b)")
_CELL_TAG = re.compile(r"<(?=(?:td|th)\b)", re.IGNORECASE)
_INVISIBLE_CHARS = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# Runs of spaces become one blank. A lone " " is left alone (replacing it by itself changes nothing,
# and text has one between most words): the pattern matches only a run of two or more, or one other
# space character. The lookbehinds test the first character just read.
_SPACE = "[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_SPACES = re.compile(rf"{_SPACE}(?:(?<= ){_SPACE}+|(?<! ){_SPACE}*)")
_BLANK_RUNS = re.compile(r"  +")
_LINE_EDGES = re.compile(r" ?\r?\n ?")
_BLANK_LINES = re.compile(r"\n\n+")  # in HTML only tags break lines; source newlines are spaces
# The HTML tree builder checks scopes on block tags in time proportional to the nesting depth, so
# thousands of nested <div> cost seconds. Mail never has that many: past the bound, a simple
# tag-stripping reading replaces the DOM (a legitimate newsletter has at most ~1,500).
MAX_BLOCK_TAGS = 8000
MAX_HIDDEN_NODES = 5000
MAX_ANCESTOR_STEPS = 200_000
_TAG = re.compile(r"<[^>]*>")
_SCRIPT_STYLE = re.compile(r"(?is)<(script|style|head|template)\b.*?</\1\s*>")
_HREF = re.compile(r"""(?i)\b(href|src|action|background)\s*=\s*["']?([^"'\s>]+)""")
_DROPPED_TAGS = ["script", "style", "head", "template", "title", "noscript"]


@dataclass(slots=True)
class HtmlView:
    text: str = ""  # visible text
    hidden_chars: int = 0  # characters of text hidden by style or attribute
    too_complex: bool = False  # read by the simple fallback (see MAX_BLOCK_TAGS)
    links: list[tuple[str, UrlOrigin, str | None]] = field(default_factory=list)  # (url, origin, shown text)


def clean_text(text: str) -> str:
    """Collapse runs of spaces, trim lines, drop blank lines and zero-width characters."""
    if (text.isascii() and "\n" not in text and "  " not in text
            and "\t" not in text and "\f" not in text and "\v" not in text):
        return text.strip()  # nothing below would change it (a link's short text, mostly)
    if not text.isascii():
        text = _SPACES.sub(" ", _INVISIBLE_CHARS.sub("", text))
    elif "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    elif "  " in text:
        # ASCII with no other space character: only runs of blanks change, and a pattern that starts
        # with a literal is searched much faster than one that starts with a class.
        text = _BLANK_RUNS.sub(" ", text)
    # Without a CR, two replaces do what _LINE_EDGES does: spaces no longer come in runs, so each
    # newline has at most one space on either side, and the pattern drops every space next to one.
    text = _LINE_EDGES.sub("\n", text) if "\r" in text else text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_LINES.sub("\n", text).strip()


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attrs  # read in place (``attributes`` copies them all into a dict)
    style = attrs.get("style")
    if style is not None and _HIDDEN_STYLE.search(style) is not None:
        return True
    # A missing attribute costs an exception inside ``in``: a node whose only attribute is its style
    # (the usual case) has no ``hidden`` one.
    return (style is None or len(attrs) > 1) and "hidden" in attrs


def _attribute_links(root: LexborNode, view: HtmlView, shown: bool) -> None:
    # Attributes are read in place (``attrs``); ``attributes`` would copy every attribute of the node
    # into a dict for each lookup. The parser lower-cases attribute names and keeps only the first of
    # duplicates, so both give the same value for these names.
    links = view.links
    for node in root.css("a[href], area[href]"):
        href = node.attrs.get("href") or ""
        text = clean_text(node.text(deep=True, separator="", strip=False)) if shown else ""
        links.append((href, UrlOrigin.HREF, text))
    for node in root.css("form[action], button[formaction], input[formaction]"):
        attrs = node.attrs
        links.append((attrs.get("action") or attrs.get("formaction") or "", UrlOrigin.FORM_ACTION, None))
    for node in root.css("img[src], image[href], input[src], [background]"):
        attrs = node.attrs
        value = attrs.get("src") or attrs.get("href") or attrs.get("background")
        links.append((value or "", UrlOrigin.IMAGE, None))
    for node in root.css("[style]"):
        style = node.attrs.get("style") or ""
        if "url(" in style.lower():
            links.extend((m.group(2), UrlOrigin.IMAGE, None) for m in _CSS_URL.finditer(style))


def _top_level(nodes: list[LexborNode]) -> list[LexborNode]:
    """The hidden nodes that are not inside another hidden node, within a bounded amount of work.

    Only a node whose walk up reached the root is returned: decomposing a node inside one already
    decomposed would touch freed memory. When the budget runs out (hostile nesting), the remaining
    hidden nodes simply stay in the visible text.
    """
    ids = {n.mem_id for n in nodes[:MAX_HIDDEN_NODES]}
    top = []
    steps = 0
    for node in nodes[:MAX_HIDDEN_NODES]:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids and steps < MAX_ANCESTOR_STEPS:
            parent = parent.parent
            steps += 1
        if steps >= MAX_ANCESTOR_STEPS:
            break
        if parent is None:
            top.append(node)
    return top


def _simple_view(html: str) -> HtmlView:
    """A DOM-free reading for hostile markup: tags stripped, links found by pattern."""
    view = HtmlView(too_complex=True)
    for match in _HREF.finditer(html):
        origin = UrlOrigin.FORM_ACTION if match.group(1).lower() == "action" else (
            UrlOrigin.HREF if match.group(1).lower() == "href" else UrlOrigin.IMAGE)
        view.links.append((unescape(match.group(2)), origin, None))
    view.text = clean_text(unescape(_TAG.sub("", _SCRIPT_STYLE.sub("", html))))
    return view


def view_html(html: str) -> HtmlView:
    """Visible text, hidden-text size and links of one HTML document (never raises on bad markup)."""
    view = HtmlView()
    if not html.strip():
        return view
    html, blocks = _BLOCK_TAG.subn("\n<", html)
    if blocks > MAX_BLOCK_TAGS:
        return _simple_view(html)
    html = _CELL_TAG.sub(" <", html)
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
