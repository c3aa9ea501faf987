"""Parsing email into the immutable ``Message`` every analyzer reads.

``parse_message(raw, limits)`` never raises; ``iter_messages(paths)`` reads .eml, .msg, mbox,
maildir, directories and stdin.
"""

from rempart.message.model import (
    Address,
    Attachment,
    Header,
    Message,
    ParseDefect,
    ReceivedHop,
    Url,
    UrlOrigin,
)
from rempart.message.parse import parse_message
from rempart.message.sources import Source, count_messages, iter_messages

__all__ = [
    "Address",
    "Attachment",
    "Header",
    "Message",
    "ParseDefect",
    "ReceivedHop",
    "Source",
    "Url",
    "UrlOrigin",
    "count_messages",
    "iter_messages",
    "parse_message",
]
