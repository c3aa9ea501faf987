"""Property tests: no input bytes make parse_message raise, and every bound holds."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.config import Limits
from rempart.message.model import Message
from rempart.message.parse import parse_message

MESSAGES = Path(__file__).resolve().parent.parent / "messages" / "parsing"
SEEDS = [p.read_bytes() for p in sorted(MESSAGES.glob("*.eml"))]
SMALL = Limits(
    max_message_bytes=64 * 1024,
    max_mime_depth=5,
    max_parts=20,
    max_attachment_bytes=2048,
    max_urls=15,
    max_text_chars=5000,
    max_headers=30,
    max_embedded_depth=1,
)
TOKENS = [
    b"\n",
    b"\r\n",
    b"--",
    b"--b",
    b"--b--",
    b": ",
    b"=?utf-8?b?",
    b"=?",
    b"?=",
    b"<",
    b">",
    b'"',
    b"(",
    b"Content-Type: multipart/mixed; boundary=b\n",
    b"Content-Type: message/rfc822\n",
    b"Content-Transfer-Encoding: base64\n",
    b"charset=",
    b'<a href="http://x.example">',
    b"\x00",
    b"\xff",
    b"From: ",
    b"Received: from ",
    b'style="display:none"',
    b"filename*0*=",
    b"%",
    b"\t",
]


def check_bounds(message: Message, limits: Limits) -> None:
    assert isinstance(message, Message)
    assert len(message.urls) <= limits.max_urls
    assert message.part_count <= limits.max_parts
    assert len(message.headers) <= limits.max_headers
    assert all(len(a.content) <= limits.max_attachment_bytes for a in message.attachments)
    assert len(message.text) <= limits.max_text_chars * max(1, message.part_count)
    assert len({(u.url, u.origin) for u in message.urls}) == len(message.urls)
    texts = [message.subject, message.text, message.html, message.html_text, message.message_id,
             message.return_path, *(h.value for h in message.headers), *(h.raw for h in message.received),
             *(u.url + u.host + (u.shown_text or "") for u in message.urls),
             *(a.filename + a.content_id + a.declared_type for a in message.attachments),
             *(a.name + a.address for a in (*message.from_, *message.to, *message.cc, *message.reply_to)),
             *(d.detail for d in message.defects)]
    for text in texts:
        text.encode("utf-8")  # no lone surrogate leaks out of the parser
    for inner in message.embedded:
        check_bounds(inner, limits)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    check_bounds(parse_message(raw, SMALL), SMALL)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(data)))
        if kind == 0:
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif kind == 1:
            del data[pos : pos + draw(st.integers(1, 64))]
        elif kind == 2 and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            chunk = bytes(data[pos : pos + draw(st.integers(1, 200))])
            data[pos:pos] = chunk * draw(st.integers(1, 5))
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_messages_never_raise(raw: bytes) -> None:
    check_bounds(parse_message(raw, SMALL), SMALL)
    check_bounds(parse_message(raw, Limits()), Limits())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=200))
def test_token_soup_never_raises(tokens: list[bytes]) -> None:
    check_bounds(parse_message(b"".join(tokens), SMALL), SMALL)
