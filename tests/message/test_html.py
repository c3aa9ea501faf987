from __future__ import annotations

from rempart.message.html import clean_text, view_html
from rempart.message.model import UrlOrigin


def test_paragraphs_stay_apart_and_spaces_collapse() -> None:
    view = view_html("<p>Hello</p><p>World&nbsp;&nbsp; again</p><table><tr><td>a</td><td>b</td></tr></table>")
    assert view.text == "Hello\nWorld again\na b"


def test_hidden_styles_and_attribute() -> None:
    html = (
        '<div>shown</div><div style="DISPLAY: none">a</div><span style="visibility:hidden">b</span>'
        '<p style="font-size: 0">c</p><p style="font-size:0.9em">small but visible</p><p hidden>d</p>'
        '<p style="opacity:0">e</p><p style="max-height:0px;overflow:hidden">f</p>'
    )
    view = view_html(html)
    assert view.text == "shown\nsmall but visible"
    assert view.hidden_chars == 6


def test_nested_hidden_counted_once() -> None:
    view = view_html('<div style="display:none">abc<span style="display:none">def</span></div>')
    assert view.hidden_chars == len("abc def") and view.text == ""


def test_anchor_shown_text_excludes_hidden_children() -> None:
    view = view_html('<a href="https://evil.example">paypal<span style="display:none">zz</span>.com</a>')
    assert view.links == [("https://evil.example", UrlOrigin.HREF, "paypal.com")]


def test_forms_images_and_css() -> None:
    view = view_html(
        '<style>@import url("https://a.example/x.css");</style><form action="https://f.example/p">'
        '<input type="image" src="https://i.example/b.png"><button formaction="https://g.example/">'
        '</button></form><table><tr><td background="https://bg.example/t.jpg"></td></tr></table><svg><image href="https://s.example/i.png"/></svg>'
    )
    origins = {(url, origin) for url, origin, _ in view.links}
    assert ("https://f.example/p", UrlOrigin.FORM_ACTION) in origins
    assert ("https://g.example/", UrlOrigin.FORM_ACTION) in origins
    assert ("https://a.example/x.css", UrlOrigin.IMAGE) in origins
    assert ("https://i.example/b.png", UrlOrigin.IMAGE) in origins
    assert ("https://bg.example/t.jpg", UrlOrigin.IMAGE) in origins


def test_broken_markup_never_raises() -> None:
    for html in ("<", "<a href=", "<<<>>>", "<div style='display:none'", "\x00<p>x</p>", "<html>" * 1000):
        view_html(html)


def test_clean_text_removes_invisible_characters() -> None:
    assert clean_text("Pa\u200bss\u00adword\ufeff  \n\n\n\n next") == "Password\nnext"


def test_hostile_nesting_falls_back_to_a_simple_reading_quickly() -> None:
    import time

    html = "<div>" * 50_000 + "deep <a href='https://e.example/x'>link</a>" + "</div>" * 50_000
    started = time.process_time()
    view = view_html(html)
    assert time.process_time() - started < 5
    assert view.too_complex and view.text == "deep link"
    assert view.links == [("https://e.example/x", UrlOrigin.HREF, None)]


def test_many_hidden_nodes_under_deep_nesting_are_bounded() -> None:
    import time

    html = "<span>" * 20_000 + "<b style='display:none'>h</b>" * 3000 + "x"
    started = time.process_time()
    view = view_html(html)
    assert time.process_time() - started < 5
    assert "x" in view.text
