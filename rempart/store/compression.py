"""Raw messages and facts are stored compressed (zlib: in the standard library, ~3-5x on mail)."""

from __future__ import annotations

import json
import zlib
from typing import Any

CODEC = "zlib"
_LEVEL = 6


def pack(data: bytes) -> bytes:
    return zlib.compress(data, _LEVEL)


def unpack(data: bytes, codec: str = CODEC) -> bytes:
    if codec != CODEC:
        raise ValueError(f"unknown compression codec {codec!r}")
    return zlib.decompress(data)


def pack_json(obj: Any) -> bytes:
    return pack(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))


def unpack_json(data: bytes, codec: str = CODEC) -> Any:
    return json.loads(unpack(data, codec))
