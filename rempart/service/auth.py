"""Who is calling, and may they? Bearer API tokens mapped to roles; one rule per endpoint.

Roles: ``admin`` (everything), ``analyst`` (cases, campaigns, decisions, release, stats, labels),
``reporter`` (file reports), ``ingest`` (scan and file reports: the mail gateway, scripts),
``auditor`` (audit trail, statistics, read-only cases and campaigns).

Authenticators are tried in order (``app.state.authenticators``): the bearer-token one is built in;
the console adds its session-cookie one without touching the endpoints. 401 when nobody is
authenticated, 403 when the role does not fit, 429 past the per-principal rate limit.

The check runs on the event loop; an authenticator (a database read) runs in a worker thread,
except when it can answer from memory (``peek``): a token found valid is remembered for
``TOKEN_CACHE_SECONDS``, so a busy client costs no database read and no thread hop per request.
A token revoked through this service is forgotten at once; revoked by another process (the CLI),
it stops working within ``TOKEN_CACHE_SECONDS``; an expired one, at its expiry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from rempart.store import tokens
from rempart.store.database import Database
from rempart.store.timeutil import utcnow

ROLES = tokens.ROLES
bearer = HTTPBearer(auto_error=False, description="API token from `rempart token create --role ROLE`.")


@dataclass(frozen=True)
class Principal:
    kind: str  # token | user
    id: int
    role: str
    name: str = ""

    @property
    def actor(self) -> str:
        """How the audit trail names this principal (never a secret, never an address)."""
        return f"{self.kind}:{self.id}"


Authenticator = Callable[[Request, HTTPAuthorizationCredentials | None], Principal | None]


TOKEN_CACHE_SECONDS = 2.0


class TokenAuthenticator:
    """Bearer API tokens (an ``Authenticator``), with valid ones remembered for a short while."""

    def __init__(self, db: Database, ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self.db = db
        self.ttl = ttl
        self._known: dict[str, tuple[Principal, float, datetime | None]] = {}  # hash -> until, expiry
        self._lock = threading.Lock()

    def peek(self, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
        """The principal of a token checked valid in the last ``ttl`` seconds, without any I/O."""
        if credentials is None or not self._known:
            return None
        key = tokens.hash_token(credentials.credentials)
        known = self._known.get(key)
        if known is None:
            return None
        principal, until, expires_at = known
        if time.monotonic() >= until or (expires_at is not None and expires_at <= utcnow()):
            with self._lock:
                self._known.pop(key, None)
            return None
        return principal

    def forget(self, token_id: int) -> None:
        """A token was revoked: stop accepting it now."""
        with self._lock:
            for key in [k for k, (p, _u, _e) in self._known.items() if p.id == token_id]:
                del self._known[key]

    def __call__(self, _request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            return None
        checked_at = time.monotonic()
        with self.db.read() as session:
            record = tokens.authenticate(session, credentials.credentials)
            if record is None:
                return None
            principal = Principal("token", record.id, record.role, record.name)
            stale = tokens.needs_touch(record)
            expires_at = record.expires_at
        if stale:
            with self.db.write() as session:
                tokens.touch(session, principal.id)
        if self.ttl > 0:
            with self._lock:
                self._known[tokens.hash_token(credentials.credentials)] = (
                    principal,
                    checked_at + self.ttl,
                    expires_at,
                )
        return principal


def token_authenticator(db: Database) -> TokenAuthenticator:
    return TokenAuthenticator(db)


def _unauthorized() -> HTTPException:
    return HTTPException(
        401,
        "A valid API token is required: send 'Authorization: Bearer TOKEN'.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting ``roles`` (and admin), checking the rate limit; returns the principal."""
    allowed = frozenset(roles) | {"admin"}

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        service = request.app.state.service
        if not service.schema_ready:  # 503 while the database is down, before any check
            await run_in_threadpool(service.ensure_schema)
        principal: Principal | None = None
        for authenticate in request.app.state.authenticators:
            peek = getattr(authenticate, "peek", None)
            principal = peek(credentials) if peek is not None else None
            if principal is None:
                principal = await run_in_threadpool(authenticate, request, credentials)
            if principal is not None:
                break
        if principal is None:
            raise _unauthorized()
        request.state.principal = principal
        if principal.role not in allowed:
            raise HTTPException(
                403,
                f"The role '{principal.role}' may not do this; it needs one of: "
                f"{', '.join(sorted(allowed))}.",
            )
        wait = request.app.state.rate_limiter.acquire(principal.actor)
        if wait > 0:
            raise HTTPException(
                429,
                "Too many requests for this token; slow down.",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        return principal

    return dependency
