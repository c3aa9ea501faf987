"""The HTTP service: ``create_app(Settings)`` returns the FastAPI app that ``rempart serve`` runs.

Public surface: ``create_app``, ``Settings``, ``Principal``, ``ROLES``. See docs/service.md.
"""

from __future__ import annotations

from rempart.service.app import create_app
from rempart.service.auth import ROLES, Principal
from rempart.service.settings import Settings

__all__ = ["ROLES", "Principal", "Settings", "create_app"]
