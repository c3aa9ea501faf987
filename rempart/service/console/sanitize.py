"""A message body made safe to look at: an allow-list HTML rewriter and a defanger.

The body of a suspicious message is shown as *inert* HTML:

- only text-level and layout tags survive (paragraphs, lists, tables, emphasis…), with no attribute
  but ``colspan``/``rowspan``: no ``style`` (CSS can fetch), no ``class``/``id`` (a message could
  dress itself up as the console), no event handlers;
- scripts, styles, frames, objects, SVG/MathML, templates, forms' controls and the document head
  are dropped *with their content*;
- an image is replaced by a visible placeholder naming where it would have come from: nothing is
  fetched, not even ``data:`` or ``cid:`` images;
- a link keeps its text but loses its target: it becomes a focusable span carrying the real
  destination (``data-url``), and the console asks before opening it; the destination is shown
  defanged beside the text whenever the text does not already show it;
- a form becomes a notice naming where it would send what was typed.

The page's Content-Security-Policy blocks the same things a second time, should anything slip
through. The output is bounded (``MAX_OUTPUT`` characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

MAX_OUTPUT = 300_000
MAX_DEPTH = 60

ALLOWED = frozenset({
    "p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "mark", "small", "big",
    "sub", "sup", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "caption", "col", "colgroup", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "tt", "kbd",
    "samp", "hr", "center", "font", "abbr", "cite", "q", "address", "article", "section", "header", "footer",
    "main", "nav", "aside", "figure", "figcaption", "label",
})
VOID = frozenset({"br", "hr", "col", "img", "input", "meta", "link", "area", "base", "wbr", "source", "embed",
                  "param", "track", "keygen"})
DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed",
    "noframes", "template", "svg", "math", "head", "title", "xml", "canvas", "audio", "video", "select",
    "textarea", "button", "option", "datalist", "dialog", "portal",
})
KEEP_ATTRS = frozenset({"colspan", "rowspan"})
_NUMBER = re.compile(r"^\d{1,3}$")
_TEXT_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)


def defang(url: str) -> str:
    """``https://evil.example/x`` → ``hxxps://evil[.]example/x``: readable, not clickable, not auto-linked."""
    value = re.sub(r"^http", "hxxp", url.strip(), flags=re.IGNORECASE)
    if "@" in value and "/" not in value:  # an address: only its domain is defanged
        local, _at, domain = value.rpartition("@")
        return f"{local}@{domain.replace('.', '[.]')}"
    parts = value.split("/", 3)
    if len(parts) >= 3 and parts[1] == "":
        parts[2] = parts[2].replace(".", "[.]")
        return "/".join(parts)
    head, sep, rest = value.partition("/")
    return head.replace(".", "[.]") + sep + rest


def openable(url: str) -> str | None:
    """The URL if the console may offer to open it (http and https only), else None."""
    value = url.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ord(c) < 0x21 for c in value):
        return None
    return value


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def link_span(url: str, inner_html: str) -> str:
    """The inert form of a link: its text, then its real destination, defanged."""
    target = openable(url)
    shown = escape(defang(url[:2000]))
    attrs = f' data-url="{escape(target)}" tabindex="0" role="button"' if target else ""
    return (
        f'<span class="body-link"{attrs}>{inner_html}</span>'
        f'<span class="body-link-dest" aria-label="destination">[{shown}]</span>'
    )


def defang_text(text: str) -> str:
    """Plain text as HTML, with every URL inert and defanged."""
    out: list[str] = []
    last = 0
    for m in _TEXT_URL.finditer(text):
        out.append(escape(text[last : m.start()]))
        url = m.group(0).rstrip(".,;:!?)")
        out.append(link_span(url if "://" in url else "http://" + url, escape(defang(url))))
        out.append(escape(m.group(0)[len(url) :]))
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


@dataclass
class _Link:
    url: str
    start: int  # index in the output where the link's text begins


@dataclass
class _Sanitizer(HTMLParser):
    out: list[str] = field(default_factory=list)
    size: int = 0
    drop_depth: int = 0
    drop_tag: str = ""
    stack: list[str] = field(default_factory=list)
    links: list[_Link] = field(default_factory=list)
    images: int = 0

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def emit(self, html: str) -> None:
        if self.size < MAX_OUTPUT:
            self.out.append(html)
            self.size += len(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.drop_depth:
            if tag == self.drop_tag:
                self.drop_depth += 1
            return
        if tag in DROP_WITH_CONTENT:
            if tag not in VOID:
                self.drop_depth, self.drop_tag = 1, tag
            return
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "img":
            self.images += 1
            self.emit(self._image(values))
            return
        if tag == "a":
            if len(self.stack) < MAX_DEPTH:
                self.stack.append("a")
                self.links.append(_Link(values.get("href", ""), len(self.out)))
            return
        if tag == "form":
            action = values.get("action", "")
            label = escape(defang(action)) if action else "—"
            self.emit(f'<div class="body-form">[form → {label}]</div>')
            return
        if tag == "input":
            kind = escape(values.get("type", "text").lower()[:20])
            self.emit(f'<span class="body-input">[{kind}]</span>')
            return
        if tag not in ALLOWED:
            return
        kept = "".join(
            f' {k}="{escape(v)}"' for k, v in values.items() if k in KEEP_ATTRS and _NUMBER.match(v)
        )
        if tag in VOID:
            self.emit(f"<{tag}{kept}>")
        elif len(self.stack) < MAX_DEPTH:
            self.stack.append(tag)
            self.emit(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.drop_depth:
            if tag == self.drop_tag:
                self.drop_depth -= 1
            return
        if tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag == "a":
                self._close_link()
            else:
                self.emit(f"</{open_tag}>")
            if open_tag == tag:
                break

    def _close_link(self) -> None:
        link = self.links.pop()
        inner = "".join(self.out[link.start :])
        del self.out[link.start :]
        self.emit(link_span(link.url, inner) if link.url else inner)

    def handle_data(self, data: str) -> None:
        if not self.drop_depth:
            self.emit(escape(data))

    def _image(self, values: dict[str, str]) -> str:
        src = values.get("src", "")
        where = host_of(src) or (src.split(":", 1)[0] + ":" if ":" in src[:12] else "")
        alt = values.get("alt", "")[:120]
        parts = [p for p in (alt, where) if p]
        label = escape(" — ".join(parts)) if parts else ""
        return f'<span class="body-image">[img{": " + label if label else ""}]</span>'

    def finish(self) -> str:
        self.close()
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag == "a":
                self._close_link()
            else:
                self.emit(f"</{open_tag}>")
        return "".join(self.out)


@dataclass(frozen=True)
class SafeBody:
    html: str  # inert HTML, ready to insert as is
    kind: str  # html | text | empty
    blocked_images: int = 0
    links: int = 0
    truncated: bool = False


def sanitize_html(html: str) -> SafeBody:
    parser = _Sanitizer()
    parser.feed(html)
    out = parser.finish()
    return SafeBody(out, "html", parser.images, out.count('class="body-link"'), parser.size >= MAX_OUTPUT)


def safe_body(html: str, text: str) -> SafeBody:
    """The HTML body made inert, else the plain text with its URLs defanged."""
    if html.strip():
        return sanitize_html(html)
    if text.strip():
        body = defang_text(text[:MAX_OUTPUT])
        return SafeBody(body, "text", 0, body.count('class="body-link"'), len(text) > MAX_OUTPUT)
    return SafeBody("", "empty")
