"""Who is calling, and may they? Bearer API tokens mapped to roles; one rule per endpoint.

Roles: ``admin`` (everything), ``analyst`` (cases, campaigns, decisions, release, stats, labels),
``reporter`` (file reports), ``ingest`` (scan and file reports: the mail gateway, scripts),
``auditor`` (audit trail, statistics, read-only cases and campaigns).

Authenticators are tried in order (``app.state.authenticators``): the bearer-token one is built in;
the console adds its session-cookie one without touching the endpoints. 401 when nobody is
authenticated, 403 when the role does not fit, 429 past the per-principal rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rempart.store import tokens
from rempart.store.database import Database

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


def token_authenticator(db: Database) -> Authenticator:
    def authenticate(_request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            return None
        with db.read() as session:
            record = tokens.authenticate(session, credentials.credentials)
            if record is None:
                return None
            principal = Principal("token", record.id, record.role, record.name)
            stale = tokens.needs_touch(record)
        if stale:
            with db.write() as session:
                tokens.touch(session, principal.id)
        return principal

    return authenticate


def _unauthorized() -> HTTPException:
    return HTTPException(
        401,
        "A valid API token is required: send 'Authorization: Bearer TOKEN'.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting ``roles`` (and admin), checking the rate limit; returns the principal."""
    allowed = frozenset(roles) | {"admin"}

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        request.app.state.service.ensure_schema()  # 503 while the database is down, before any check
        principal: Principal | None = None
        for authenticate in request.app.state.authenticators:
            principal = authenticate(request, credentials)
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
