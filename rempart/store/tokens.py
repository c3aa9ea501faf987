"""API tokens: random secrets shown once, stored as SHA-256 hashes, with a role, an expiry and revocation.

A token is ``rpt_`` + 43 URL-safe characters (256 random bits), so a plain SHA-256 is enough to
store it (no password stretching needed for secrets nobody chose). Creation and revocation are
audited; the secret itself never reaches a log or the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rempart.store import audit
from rempart.store.audit import AuditSigner
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import ApiToken
from rempart.store.timeutil import iso, utcnow

ROLES = ("admin", "analyst", "reporter", "ingest", "auditor")
PREFIX = "rpt_"
_TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is refreshed at most this often (no write per request)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    *,
    role: str,
    name: str = "",
    actor: str,
    days: int | None = 365,
    signer: AuditSigner | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the stored record and the secret (the only time it exists in clear)."""
    if role not in ROLES:
        raise InvalidState(f"Role must be one of {', '.join(ROLES)}.")
    when = now or utcnow()
    secret = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name[:100],
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        created_at=when,
        created_by=actor[:100],
        expires_at=when + timedelta(days=days) if days else None,
    )
    session.add(record)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="token.create",
        object_type="token",
        object_id=record.id,
        details={"role": role, "expires_at": iso(record.expires_at)},
        signer=signer,
        at=when,
    )
    return record, secret


def authenticate(session: Session, secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The valid (known, unrevoked, unexpired) token for ``secret``, else None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    record = session.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(secret))).scalar()
    when = now or utcnow()
    if (
        record is None
        or record.revoked_at is not None
        or (record.expires_at is not None and record.expires_at <= when)
    ):
        return None
    return record


def needs_touch(record: ApiToken, now: datetime | None = None) -> bool:
    when = now or utcnow()
    return record.last_used_at is None or when - record.last_used_at > _TOUCH_EVERY


def touch(session: Session, token_id: int, now: datetime | None = None) -> None:
    record = session.get(ApiToken, token_id)
    if record is not None:
        record.last_used_at = now or utcnow()


def revoke(session: Session, token_id: int, *, actor: str, signer: AuditSigner | None = None) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"Token {token_id} does not exist.")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.append(
            session,
            actor=actor,
            action="token.revoke",
            object_type="token",
            object_id=record.id,
            details={"role": record.role},
            signer=signer,
        )
    return record


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()
