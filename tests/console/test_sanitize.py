"""The body made inert: nothing runs, nothing loads, links do not go anywhere by themselves."""

from __future__ import annotations

import re

import pytest

from rempart.config import Limits
from rempart.message.parse import parse_message
from rempart.service.console.sanitize import MAX_OUTPUT, defang, defang_text, openable, safe_body, sanitize_html
from tests.console.conftest import MESSAGES

TAG = re.compile(r"<\s*([a-zA-Z0-9]+)")
ATTR = re.compile(r"\s([a-zA-Z-]+)=")
INERT_TAGS = {"p", "br", "div", "span", "h1", "b", "strong", "i", "em", "table", "tr", "td", "ul", "li", "hr",
              "tbody", "font", "center", "blockquote", "u", "small"}
INERT_ATTRS = {"class", "data-url", "tabindex", "role", "aria-label", "colspan", "rowspan"}


def _check_inert(html: str) -> None:
    tags = {t.lower() for t in TAG.findall(html)}
    assert tags <= INERT_TAGS, tags - INERT_TAGS
    attrs = {a.lower() for a in ATTR.findall(html)}
    assert attrs <= INERT_ATTRS, attrs - INERT_ATTRS
    for cls in re.findall(r'class="([^"]*)"', html):
        assert cls.startswith("body-"), cls  # only the console's own markers


def test_hostile_message_becomes_inert() -> None:
    message = parse_message((MESSAGES / "hostile-html.eml").read_bytes(), Limits())
    body = safe_body(message.html, message.text)
    _check_inert(body.html)
    assert "__pwned" not in body.html.replace("window[.]__pwned", "")  # only in the shown javascript: target
    assert "203.0.113.50/pixel" not in body.html  # the tracking pixel's URL is not even shown in full
    assert "Vos avantages 2027" in body.html and "Cordialement" in body.html
    assert body.blocked_images == 3
    assert 'data-url="https://avantages-salaries.test/login?u=camille"' in body.html
    assert "javascript:" not in re.sub(r"\[[^\]]*\]", "", body.html)  # a javascript: link is shown, never kept
    assert "Faux élément d&#x27;interface" in body.html and "topbar" not in body.html


@pytest.mark.parametrize(
    "html",
    [
        "<scr<script>ipt>alert(1)</script>",
        "<svg><script>alert(1)</script></svg>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<a href=' jav&#x09;ascript:alert(1)'>x</a>",
        "<div style='background:url(http://x.test/a.png)'>x</div>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
        "<object data='http://x.test/a.swf'></object><embed src='http://x.test/b'>",
        "<base href='http://x.test/'><link rel=stylesheet href='http://x.test/s.css'>",
        "<meta http-equiv=refresh content='0;url=http://x.test/'>",
        "<form action='http://x.test/'><input name=p type=password onfocus=alert(1) autofocus></form>",
        "<template><img src=x></template><dialog open>x</dialog>",
        "<!--<img src=x onerror=alert(1)>-->",
        "<p><b><i>unclosed <a href='http://x.test/'>link <div>block",
        "</p></div></a></b><p>stray closers",
        "<textarea><img src=x onerror=alert(1)></textarea>",
        "<style>@import 'http://x.test/i.css';</style><p>after</p>",
    ],
)
def test_attacks_stay_inert(html: str) -> None:
    out = sanitize_html(html).html
    _check_inert(out)
    assert "<img" not in out and "<script" not in out.lower() and "onerror" not in out.replace("[", "")


def test_nesting_and_size_are_bounded() -> None:
    deep = "<div>" * 5000 + "x" + "</div>" * 5000
    out = sanitize_html(deep).html
    assert out.count("<div>") <= 60 and out.count("<div>") == out.count("</div>")
    big = sanitize_html("<p>" + "a" * (MAX_OUTPUT * 2) + "</p>")
    assert big.truncated and len(big.html) <= MAX_OUTPUT * 2 + 10


def test_links_keep_text_lose_target() -> None:
    out = sanitize_html('<a href="https://login.evil.test/x"><b>https://portail.corp.fr</b></a>').html
    assert '<span class="body-link" data-url="https://login.evil.test/x"' in out
    assert "<b>https://portail.corp.fr</b>" in out
    assert "[hxxps://login[.]evil[.]test/x]" in out
    assert "href=" not in out


def test_plain_text_urls_are_defanged() -> None:
    out = defang_text("Go to https://evil.test/a?b=1, or www.other.test. Bye <script>")
    assert "hxxps://evil[.]test/a?b=1" in out and "www[.]other[.]test" in out
    assert "&lt;script&gt;" in out and "<script" not in out


def test_defang_and_openable() -> None:
    assert defang("https://a.b.example/x.y") == "hxxps://a[.]b[.]example/x.y"
    assert defang("HTTP://10.0.0.1/") == "hxxp://10[.]0[.]0[.]1/"
    assert defang("jean.dupont@mail.evil.test") == "jean.dupont@mail[.]evil[.]test"
    assert openable("https://ok.test/p") == "https://ok.test/p"
    for bad in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://", "http://a b/",
                "vbscript:x", "//host/path"):
        assert openable(bad) is None, bad
