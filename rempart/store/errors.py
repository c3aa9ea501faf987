"""Errors the store raises on purpose.

StoreError (a RempartError)
 ├── DatabaseUnavailable   the database cannot be reached or is busy beyond the timeout (the API answers 503)
 ├── NotFound              no record with that id
 └── InvalidState          the action does not apply to the record as it is (releasing mail never held)
"""

from __future__ import annotations

from rempart.errors import RempartError


class StoreError(RempartError):
    """Root of the store's errors; the message is one sentence meant for the user."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached, refuses the connection or stays locked past the timeout."""


class NotFound(StoreError):
    """No record with that id."""


class InvalidState(StoreError):
    """The requested change does not apply to the record's current state."""
