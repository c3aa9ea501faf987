"""A memo for functions of one header-sized string.

Mail repeats header values (list names, Received lines of the same relays, charsets), so memoising
their parsing pays; but an attacker controls the values, so only short ones are kept: a cache of
long strings would let a stream of messages pin gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

T = TypeVar("T")
CACHE_MAX_CHARS = 2048


def text_cache(maxsize: int) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    def decorate(function: Callable[[str], T]) -> Callable[[str], T]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(value: str) -> T:
            return cached(value) if len(value) <= CACHE_MAX_CHARS else function(value)

        return call

    return decorate
