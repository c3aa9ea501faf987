"""Small helpers shared by the routers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import HTTPException, Path, Query

from rempart.store.timeutil import to_utc_naive

MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
NO_NUL = r"^[^\x00]*$"

RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The raw message (RFC 822 / .eml bytes).",
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def naive_utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return to_utc_naive(value)
    except (OverflowError, ValueError):
        raise HTTPException(422, f"'{name}' is out of range.") from None
