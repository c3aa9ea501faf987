"""Who is looking at the console: the session cookie, its user, and what their role lets them do.

The same session also authenticates ``/api/v1`` requests (``session_authenticator``, added to the
service's authenticators): reads with the cookie alone, writes only with the CSRF token in an
``X-CSRF-Token`` header, so a page elsewhere can never make the browser act.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from rempart.service.auth import Authenticator, Principal
from rempart.service.console.security import CSRF_HEADER, SESSION_COOKIE, csrf_token, same_origin
from rempart.service.state import ServiceState
from rempart.store import users
from rempart.store.database import Database

VIEW_ROLES = frozenset({"admin", "analyst", "auditor"})
DECIDE_ROLES = frozenset({"admin", "analyst"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No live session: the console sends the browser to the sign-in page."""


class NotAllowed(Exception):
    """A signed-in user whose role does not allow this page or action."""


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    email: str
    lang: str
    csrf: str
    secret: str

    @property
    def can_decide(self) -> bool:
        return self.principal.role in DECIDE_ROLES

    @property
    def sees_content(self) -> bool:
        """Auditors see verdicts and the audit trail, not message content (as in the API)."""
        return self.principal.role in DECIDE_ROLES


def _signed_in(db: Database, secret: str) -> users.SignedIn | None:
    with db.read() as session:
        found = users.session_user(session, secret)
    if found is not None and found.stale:
        with db.write() as session:
            users.touch_session(session, found.session_id)
    return found


def viewer_of(request: Request) -> Viewer | None:
    secret = request.cookies.get(SESSION_COOKIE, "")
    if not secret:
        return None
    state: ServiceState = request.app.state.service
    state.ensure_schema()
    found = _signed_in(state.db, secret)
    if found is None:
        return None
    principal = Principal("user", found.user_id, found.role, found.email)
    request.state.principal = principal
    return Viewer(principal, found.email, found.lang, csrf_token(secret), secret)


def require_viewer(roles: frozenset[str] = VIEW_ROLES) -> Callable[[Request], Viewer]:
    def dependency(request: Request) -> Viewer:
        viewer = viewer_of(request)
        if viewer is None:
            raise LoginRequired
        if viewer.principal.role not in roles:
            raise NotAllowed
        return viewer

    return dependency


def session_authenticator(db: Database) -> Authenticator:
    def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
        secret = request.cookies.get(SESSION_COOKIE, "")
        if credentials is not None or not secret:
            return None
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not same_origin(request) or not hmac.compare_digest(sent.encode(), csrf_token(secret).encode()):
                return None
        found = _signed_in(db, secret)
        if found is None:
            return None
        return Principal("user", found.user_id, found.role, found.email)

    return authenticate
