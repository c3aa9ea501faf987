"""Errors Rempart raises on purpose.

RempartError
 ├── ConfigError      bad or unreadable configuration: fail at start with one sentence naming the fix
 └── InputError       an input path that cannot be read at all (a message that parses badly is NOT an error)
"""

from __future__ import annotations


class RempartError(Exception):
    """Root of Rempart's own errors; its message is one sentence meant for the user."""


class ConfigError(RempartError):
    """The configuration is invalid; the message names the key and the fix."""


class InputError(RempartError):
    """An input path cannot be read (missing, unreadable, unknown format)."""
