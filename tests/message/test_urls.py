from __future__ import annotations

import pytest

from rempart.message.model import UrlOrigin
from rempart.message.urls import find_urls, looks_like_url, make_shown_url, make_url, normalise_host


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://a.example/x.", ["https://a.example/x"]),
        (
            "(https://a.example/path_(1)) and www.b.example, then",
            ["https://a.example/path_(1)", "www.b.example"],
        ),
        ("<https://c.example/?q=1&r=2>", ["https://c.example/?q=1&r=2"]),
        ("« https://d.example/é »", ["https://d.example/é"]),
        ("no url here, just www. and http://", []),
        ("HTTP://UPPER.EXAMPLE/A", ["HTTP://UPPER.EXAMPLE/A"]),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert find_urls(text) == expected


@pytest.mark.parametrize(
    ("raw", "scheme", "host"),
    [
        ("https://User:pw@Login.Example.COM:8443/x", "https", "login.example.com"),
        ("https://paypal.com@evil.example/", "https", "evil.example"),
        ("https:\\\\evil.example\\path", "https", "evil.example"),
        ("  https://spaced.example/\n", "https", "spaced.example"),
        ("http://[2001:db8::1]:80/", "http", "2001:db8::1"),
        ("https://xn--pypal-4ve.com/", "https", "pаypal.com"),
        ("https://xn--invalid-.example/", "https", "xn--invalid-.example"),
        ("//cdn.example/lib.js", "", "cdn.example"),
        ("www.example.org/a", "http", "www.example.org"),
        ("mailto:someone@example.org", "mailto", ""),
        ("javascript:alert(1)", "javascript", ""),
        ("https://host.example./", "https", "host.example"),
        ("http://%65vil.example/", "http", "evil.example"),
    ],
)
def test_make_url_scheme_and_host(raw: str, scheme: str, host: str) -> None:
    url = make_url(raw, UrlOrigin.HREF)
    assert url is not None
    assert (url.scheme, url.host) == (scheme, host)


@pytest.mark.parametrize("raw", ["", "#", "#top", "/relative/path", "cid:image001", "page.html", "   "])
def test_make_url_ignores_non_destinations(raw: str) -> None:
    assert make_url(raw, UrlOrigin.HREF) is None


def test_data_url_is_truncated() -> None:
    url = make_url("data:text/html;base64," + "A" * 10_000, UrlOrigin.HREF)
    assert url is not None and url.scheme == "data" and len(url.url) == 256


def test_link_text_urls() -> None:
    assert looks_like_url("https://login.microsoftonline.com/") == "https://login.microsoftonline.com/"
    assert looks_like_url(" paypal.com/signin ") == "paypal.com/signin"
    assert looks_like_url("Click here") is None
    shown = make_shown_url("paypal.com/signin", "1")
    assert shown is not None and (shown.url, shown.host, shown.origin) == (
        "paypal.com/signin",
        "paypal.com",
        UrlOrigin.LINK_TEXT,
    )


def test_normalise_host_keeps_unicode_lower_case() -> None:
    assert normalise_host("ÉCOLE.example") == "école.example"


def test_a_linkifiers_closing_punctuation_is_no_part_of_the_host() -> None:
    # "(https://myminfin.be)" linked whole: "myminfin.be)" is no domain anyone can register, the writer meant
    # myminfin.be (round 39's genuine MyMinfin notice was read as a look-alike of its own site).
    assert normalise_host("myminfin.be)") == "myminfin.be"
    assert normalise_host("example.com),") == "example.com"
    assert normalise_host("[2001:db8::1]") == "2001:db8::1"
    url = make_url("https://myminfin.be)", UrlOrigin.HREF)
    assert url is not None and url.host == "myminfin.be"
