"""Fuzz ``parse_message`` with atheris (libFuzzer): no input may crash it or break a bound.

Run: ``python fuzz/fuzz_parser.py -max_total_time=60 tests/messages/parsing`` (what ``make fuzz`` does).
Seed directories given on the command line are only read: new inputs go to a temporary working
corpus (``$REMPART_FUZZ_CORPUS`` to keep it), so the repository's test messages are never modified.
A parser bug that ``parse_message`` caught and recorded as a ``parser_error`` defect counts as a crash.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from rempart.config import Limits
    from rempart.message.model import Message
    from rempart.message.parse import parse_message

LIMITS = Limits(max_message_bytes=256 * 1024, max_mime_depth=8, max_parts=50, max_attachment_bytes=4096,
                max_urls=40, max_text_chars=20_000, max_headers=100, max_embedded_depth=2)


def _check(message: Message) -> None:
    for defect in message.defects:
        if defect.code == "parser_error":
            raise AssertionError(f"parser bug caught by the last-resort handler: {defect.detail}")
    assert len(message.urls) <= LIMITS.max_urls
    assert message.part_count <= LIMITS.max_parts
    assert len(message.headers) <= LIMITS.max_headers
    assert all(len(a.content) <= LIMITS.max_attachment_bytes for a in message.attachments)
    strings = [message.subject, message.text, message.html_text, *(h.value for h in message.headers),
               *(h.raw for h in message.received), *(u.url + u.host for u in message.urls),
               *(a.filename + a.content_id for a in message.attachments),
               *(d.detail for d in message.defects),
               *(a.name + a.address for a in (*message.from_, *message.to, *message.cc, *message.reply_to))]
    for text in strings:
        text.encode("utf-8")  # a lone surrogate would break every JSON or database write downstream
    for inner in message.embedded:
        _check(inner)


def TestOneInput(data: bytes) -> None:  # the name atheris expects
    _check(parse_message(data, LIMITS))


def _argv_with_scratch_corpus(argv: list[str]) -> list[str]:
    """libFuzzer writes new inputs into the first corpus directory: make that a scratch one."""
    options = [a for a in argv[1:] if a.startswith("-")]
    seeds = [a for a in argv[1:] if not a.startswith("-")]
    if not seeds:
        return argv
    scratch = os.environ.get("REMPART_FUZZ_CORPUS") or tempfile.mkdtemp(prefix="rempart-fuzz-")
    os.makedirs(scratch, exist_ok=True)
    return [argv[0], *options, scratch, *seeds]


if __name__ == "__main__":
    atheris.Setup(_argv_with_scratch_corpus(sys.argv), TestOneInput)
    atheris.Fuzz()
