"""The store's tables (SQLAlchemy 2). Every change goes with an Alembic revision in ``migrations/versions``.

Layout, and what later features hang on it without reshaping it:

- ``cases``: one message Rempart kept, with its verdict as metadata (kept after retention).
  ``case_contents`` holds the compressed raw message and facts (purged after retention, erased on
  request); ``case_addresses`` indexes every address of a case (stats, GDPR search).
  Quarantine (the SMTP gateway) uses ``quarantine`` (none → held → release_requested → released)
  and ``envelope_from``/``envelope_to`` to re-inject.
- ``reports``: who reported which case, when; ``feedback_*`` columns let the report loop record
  what it told the reporter and send a follow-up when the decision changes.
- ``campaigns``: cases grouped by MinHash/LSH (``case_signatures``, ``lsh_bands``).
- ``api_tokens``: hashed bearer tokens with a role; console users and sessions live in their own
  tables (added by the console's migration) and authenticate to the same roles.
- ``audit_log`` + ``audit_head``: the hash chain; ``audit_head`` is also the lock row that
  serialises writers on PostgreSQL.

All times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(20), default="clean")  # worst verdict among its cases
    lure_type: Mapped[str] = mapped_column(String(40), default="none")
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    reporter_count: Mapped[int] = mapped_column(Integer, default=0)  # distinct reporters
    priority: Mapped[int] = mapped_column(Integer, default=0, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | decided
    decision: Mapped[str | None] = mapped_column(String(30))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    received_at: Mapped[datetime | None]  # when the message reached the company (Date header or gateway)
    source: Mapped[str] = mapped_column(String(20))  # scan | report | gateway
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)  # new | decided
    level: Mapped[str] = mapped_column(String(20), index=True)  # clean | suspicious | malicious
    score: Mapped[float] = mapped_column(Float)
    lure_type: Mapped[str] = mapped_column(String(40), default="none", index=True)
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON)  # reasons, rule hits, model score
    digest: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the raw message
    message_id: Mapped[str] = mapped_column(String(500), default="", index=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    sender_address: Mapped[str] = mapped_column(String(320), default="")
    sender_domain: Mapped[str] = mapped_column(String(255), default="", index=True)
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    envelope_from: Mapped[str | None] = mapped_column(String(320))
    envelope_to: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(30))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    quarantine: Mapped[str] = mapped_column(String(20), default="none", index=True)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    first_reported_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(Integer, default=0, index=True)
    content_purged_at: Mapped[datetime | None]


class CaseContent(Base):
    """The part of a case that retention purges: raw message and facts, compressed."""

    __tablename__ = "case_contents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    codec: Mapped[str] = mapped_column(String(10))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    facts: Mapped[bytes] = mapped_column(LargeBinary)  # facts document + findings, compressed JSON


class CaseAddress(Base):
    __tablename__ = "case_addresses"
    __table_args__ = (Index("ix_case_addresses_role_address", "role", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # from|sender|reply_to|to|cc|envelope_from|envelope_to
    address: Mapped[str] = mapped_column(String(320), index=True)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reporter: Mapped[str] = mapped_column(String(320), index=True)
    reported_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(20), default="api")  # api | imap | button
    feedback_status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed|none
    feedback_sent_at: Mapped[datetime | None]
    feedback_decision: Mapped[str | None] = mapped_column(String(30))  # the decision the last feedback told


class CaseSignature(Base):
    __tablename__ = "case_signatures"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # uint64 little-endian hash values
    infra_key: Mapped[str] = mapped_column(String(64), default="", index=True)


class LshBand(Base):
    __tablename__ = "lsh_bands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    band_key: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise a token in lists
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100), default="")
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AuditHead(Base):
    """One row (id 1): the chain's last sequence number and hash; locked by every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))  # token:ID, user:ID, cli, system, gateway
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed byte for byte
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128))  # Ed25519 over the hash, hex
    key_id: Mapped[str | None] = mapped_column(String(32))
