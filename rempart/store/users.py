"""Console users and their sign-in sessions.

A console user is a person (an e-mail address) with one of the service's roles and an argon2id
password hash with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane: ~50 ms on a server core);
hashes made with other parameters are upgraded at the next sign-in. A session is a random secret held in
an HttpOnly cookie and stored here only as its SHA-256; it ends at sign-out, after
``SESSION_IDLE`` without use, after ``SESSION_LIFETIME`` in any case, or when the user is disabled.

User creation, sign-in (success and failure), sign-out and disabling are audited; entries name the
user by id (``user:7``), never by address, like every audit entry. The users' addresses are
personal data: ``rempart gdpr export|erase`` covers them through ``gdpr.register``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from rempart.store import audit, gdpr
from rempart.store.audit import AuditSigner
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import Base
from rempart.store.timeutil import iso, utcnow

CONSOLE_ROLES = ("admin", "analyst", "auditor")  # reporter and ingest are machine roles (API tokens)
LANGS = ("en", "fr")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
SESSION_PREFIX = "rcs_"
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
_TOUCH_EVERY = timedelta(minutes=2)
_EMAIL = re.compile(r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,255}$")
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """Verified against when the address is unknown, so a failed sign-in takes as long either way."""
    return _hasher.hash(secrets.token_urlsafe(16))


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(100), default="")
    password_changed_at: Mapped[datetime] = mapped_column(DateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime())


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)


@dataclass(frozen=True)
class SignedIn:
    """A live session and its user, detached from any database session."""

    session_id: int
    user_id: int
    email: str
    role: str
    lang: str
    stale: bool  # last_seen_at is old enough to be refreshed


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidState(f"The password must have at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidState(f"The password must have at most {MAX_PASSWORD} characters and no NUL.")


def hash_session(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_user(
    session: Session,
    email: str,
    role: str,
    password: str,
    *,
    actor: str,
    lang: str = "en",
    signer: AuditSigner | None = None,
    now: datetime | None = None,
) -> ConsoleUser:
    address = normalise_email(email)
    if not _EMAIL.match(address):
        raise InvalidState(f"'{email}' is not an e-mail address.")
    if role not in CONSOLE_ROLES:
        raise InvalidState(f"A console user's role must be one of {', '.join(CONSOLE_ROLES)}.")
    if lang not in LANGS:
        raise InvalidState("The language must be 'en' or 'fr'.")
    check_password(password)
    if session.execute(select(ConsoleUser.id).where(ConsoleUser.email == address)).scalar() is not None:
        raise InvalidState(f"A console user {address} already exists.")
    when = now or utcnow()
    user = ConsoleUser(
        email=address,
        role=role,
        password_hash=_hasher.hash(password),
        lang=lang,
        created_at=when,
        created_by=actor[:100],
        password_changed_at=when,
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        details={"role": role, "lang": lang},
        signer=signer,
        at=when,
    )
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """The slow half of a sign-in (argon2), done in a read transaction so writers never wait on it."""

    user_id: int | None  # the enabled user whose password matched, else None
    known_id: int | None  # the account the address names, matched or not
    new_hash: str | None = None  # the password hashed with today's parameters, when the stored hash is older


def check_credentials(session: Session, email: str, password: str) -> PasswordCheck:
    """Verify a password (the same work whether the address exists or not); changes nothing."""
    user = session.execute(select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))).scalar()
    known = None if user is None else user.id
    candidate = user.password_hash if user is not None else _dummy_hash()
    try:
        _hasher.verify(candidate, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(None, known)
    if user is None or user.disabled_at is not None:
        return PasswordCheck(None, known)
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(user.password_hash) else None
    return PasswordCheck(user.id, known, new_hash)


def start_session(
    session: Session,
    check: PasswordCheck,
    *,
    signer: AuditSigner | None = None,
    now: datetime | None = None,
) -> tuple[ConsoleUser, str] | None:
    """The quick half, in a write transaction: open a session (user, secret) or record the failure."""
    when = now or utcnow()
    user = session.get(ConsoleUser, check.user_id) if check.user_id is not None else None
    if user is None or user.disabled_at is not None:  # also: disabled between the two halves
        audit.append(
            session,
            actor="anonymous",
            action="user.login_failed",
            object_type="user",
            object_id="" if check.known_id is None else check.known_id,
            details={},
            signer=signer,
            at=when,
        )
        return None
    if check.new_hash:
        user.password_hash = check.new_hash
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            user_id=user.id,
            token_hash=hash_session(secret),
            created_at=when,
            last_seen_at=when,
            expires_at=when + SESSION_LIFETIME,
        )
    )
    user.last_login_at = when
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= when))
    audit.append(
        session,
        actor=f"user:{user.id}",
        action="user.login",
        object_type="user",
        object_id=user.id,
        details={"role": user.role},
        signer=signer,
        at=when,
    )
    return user, secret


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    signer: AuditSigner | None = None,
    now: datetime | None = None,
) -> tuple[ConsoleUser, str] | None:
    """Both halves in one transaction (for callers that do not mind holding the write lock)."""
    return start_session(session, check_credentials(session, email, password), signer=signer, now=now)


def session_user(session: Session, secret: str, *, now: datetime | None = None) -> SignedIn | None:
    """The live session for a cookie value, else None (unknown, ended, expired, idle or disabled)."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > 200:
        return None
    when = now or utcnow()
    row = session.execute(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == hash_session(secret))
    ).first()
    if row is None:
        return None
    record, user = row
    if record.expires_at <= when or when - record.last_seen_at > SESSION_IDLE or user.disabled_at is not None:
        return None
    return SignedIn(
        session_id=record.id,
        user_id=user.id,
        email=user.email,
        role=user.role,
        lang=user.lang,
        stale=when - record.last_seen_at > _TOUCH_EVERY,
    )


def touch_session(session: Session, session_id: int, *, now: datetime | None = None) -> None:
    session.execute(
        update(ConsoleSession).where(ConsoleSession.id == session_id).values(last_seen_at=now or utcnow())
    )


def sign_out(session: Session, secret: str, *, signer: AuditSigner | None = None) -> None:
    record = session.execute(
        select(ConsoleSession).where(ConsoleSession.token_hash == hash_session(secret))
    ).scalar()
    if record is None:
        return
    session.delete(record)
    audit.append(
        session,
        actor=f"user:{record.user_id}",
        action="user.logout",
        object_type="user",
        object_id=record.user_id,
        details={},
        signer=signer,
    )


def set_lang(session: Session, user_id: int, lang: str) -> None:
    if lang not in LANGS:
        raise InvalidState("The language must be 'en' or 'fr'.")
    session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id).values(lang=lang))


def get_user(session: Session, user_id: int) -> ConsoleUser:
    user = session.get(ConsoleUser, user_id)
    if user is None:
        raise NotFound(f"Console user {user_id} does not exist.")
    return user


def find_user(session: Session, email: str) -> ConsoleUser:
    user = session.execute(select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))).scalar()
    if user is None:
        raise NotFound(f"No console user {normalise_email(email)}.")
    return user


def list_users(session: Session) -> Sequence[ConsoleUser]:
    return session.execute(select(ConsoleUser).order_by(ConsoleUser.id)).scalars().all()


def emails_by_id(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(ConsoleUser.id, ConsoleUser.email).where(ConsoleUser.id.in_(ids)))
    return {i: e for i, e in rows}


def disable_user(
    session: Session, email: str, *, actor: str, signer: AuditSigner | None = None
) -> ConsoleUser:
    """Disable a user and end their sessions at once."""
    user = find_user(session, email)
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        audit.append(
            session,
            actor=actor,
            action="user.disable",
            object_type="user",
            object_id=user.id,
            details={},
            signer=signer,
        )
    return user


def set_password(
    session: Session, email: str, password: str, *, actor: str, signer: AuditSigner | None = None
) -> ConsoleUser:
    """Replace a user's password and end their sessions."""
    check_password(password)
    user = find_user(session, email)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    audit.append(
        session,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        details={},
        signer=signer,
    )
    return user


def _export(session: Session, address: str) -> dict[str, Any]:
    user = session.execute(select(ConsoleUser).where(ConsoleUser.email == address)).scalar()
    if user is None:
        return {}
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "lang": user.lang,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "disabled_at": iso(user.disabled_at),
    }


def _erase(session: Session, address: str) -> dict[str, int]:
    """The account stays (its id is in the audit trail) but loses its address and can no longer sign in."""
    user = session.execute(select(ConsoleUser).where(ConsoleUser.email == address)).scalar()
    if user is None:
        return {"users": 0}
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    user.email = f"{gdpr.ERASED}-{user.id}"
    user.password_hash = _dummy_hash()
    user.disabled_at = user.disabled_at or utcnow()
    return {"users": 1}


gdpr.register("console_users", _export, _erase)
