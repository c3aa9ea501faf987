"""The audit trail: an append-only hash chain, optionally signed with Ed25519.

Each entry's hash covers its content and the previous entry's hash, so editing, deleting or
reordering rows breaks the chain at the first tampered entry; ``audit_head`` records the last
sequence number and hash, so cutting entries off the end is seen too. With a signing key each
hash is also signed: whoever can write to the database but does not hold the key cannot rebuild
a valid chain. Anyone holding the database and the key can still rewrite history: publish the
head hash elsewhere (``rempart audit verify`` prints it) to anchor it.

Entries never hold message content or personal data (addresses, subjects): they name objects by
id (``case 42``) and actors by reference (``token:3``), so a GDPR erase removes the person's data
from the other tables and leaves the chain intact.

Appending must happen inside ``Database.write()``, which serialises writers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from rempart.errors import ConfigError
from rempart.store.models import AuditEntry, AuditHead
from rempart.store.timeutil import utcnow

GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str, at: datetime, actor: str, action: str, object_type: str, object_id: str, details: str
) -> str:
    material = canonical_json([prev_hash, _stamp(at), actor, action, object_type, object_id, details])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class AuditSigner:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return _key_id(self.public_key)

    def sign(self, digest: str) -> str:
        return self.private_key.sign(digest.encode("ascii")).hex()

    @classmethod
    def generate(cls) -> AuditSigner:
        return cls(Ed25519PrivateKey.generate())

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def load_signer(path: str | Path) -> AuditSigner:
    """Load an Ed25519 private key (PEM, unencrypted); ConfigError with one sentence otherwise."""
    p = Path(path)
    try:
        key = serialization.load_pem_private_key(p.read_bytes(), password=None)
    except OSError as err:
        raise ConfigError(
            f"Audit signing key {p} cannot be read ({err.strerror}); fix service.audit_signing_key."
        ) from None
    except (ValueError, TypeError):
        raise ConfigError(
            f"Audit signing key {p} is not an unencrypted PEM private key; "
            "create one with `rempart audit keygen`."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(
            f"Audit signing key {p} is not an Ed25519 key; create one with `rempart audit keygen`."
        )
    return AuditSigner(key)


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """A public key (PEM) or, for convenience, the private key file itself."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ConfigError(f"Key file {p} cannot be read ({err.strerror}).") from None
    try:
        pub = serialization.load_pem_public_key(data)
    except ValueError:
        return load_signer(p).public_key
    if not isinstance(pub, Ed25519PublicKey):
        raise ConfigError(f"Key file {p} does not hold an Ed25519 public key.")
    return pub


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    details: Mapping[str, Any] | None = None,
    signer: AuditSigner | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside ``Database.write()``, which holds the writers' lock).

    The entry row is inserted and the head row updated at once, with plain statements. Within one
    transaction the locked head is read once and reused, so a round of many appends
    (``BatchWriter``) costs an insert and an update each.
    """
    if len(actor) > 100:
        raise ValueError("audit actor longer than 100 characters")
    head = locked_head(session)
    when = at or utcnow()
    body = canonical_json(dict(details or {}))
    oid = str(object_id)
    digest = entry_hash(head.hash, when, actor, action, object_type, oid, body)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=when,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=oid,
        details=body,
        prev_hash=head.hash,
        hash=digest,
        signature=signer.sign(digest) if signer else None,
        key_id=signer.key_id if signer else None,
    )
    row = {c: getattr(entry, c) for c in _ENTRY_COLUMNS}
    if session.get_bind().dialect.name == "postgresql":  # entry and head in one round trip
        session.execute(_postgresql_append(), {**row, "new_seq": entry.seq, "new_hash": digest})
    else:
        session.execute(insert(_ENTRY_TABLE), [row])
        session.execute(_HEAD_UPDATE, {"new_seq": entry.seq, "new_hash": digest})
    set_committed_value(head, "seq", entry.seq)  # the row is written: the object is in step, not dirty
    set_committed_value(head, "hash", digest)
    return entry


_ENTRY_TABLE = cast(Table, AuditEntry.__table__)
_ENTRY_COLUMNS = tuple(c.key for c in _ENTRY_TABLE.columns)
_HEAD_TABLE = cast(Table, AuditHead.__table__)
_HEAD_UPDATE = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_HEAD_KEY = "rempart.audit_head"


@cache
def _postgresql_append() -> Update:
    """The entry insert as a CTE of the head update: one PostgreSQL statement."""
    entry = insert(_ENTRY_TABLE).values({c.key: bindparam(c.key, type_=c.type) for c in _ENTRY_TABLE.columns})
    return _HEAD_UPDATE.add_cte(entry.cte("entry"))


def locked_head(session: Session) -> AuditHead:
    """The chain head, locked (``FOR UPDATE``) once per transaction (savepoint) and then reused.

    ``Database.write()`` takes it first on PostgreSQL: that lock is what serialises writers.
    """
    scope = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is scope and cached[1] in session:
        head: AuditHead = cached[1]
        return head
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    session.info[_HEAD_KEY] = (scope, head)
    return head


@dataclass(frozen=True)
class Problem:
    seq: int  # the first bad entry (position in the chain)
    kind: (
        str  # altered | deleted | deleted_or_replaced | reordered | bad_signature | truncated | head_altered
    )
    message: str


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    signed: int
    head_seq: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(session: Session) -> Iterator[AuditEntry]:
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    ).scalars()


def verify(session: Session, public_key: Ed25519PublicKey | None = None) -> VerifyResult:
    """Walk the chain in sequence order; report the first entry that was altered, deleted or reordered."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    key_id = _key_id(public_key) if public_key is not None else None
    expected_seq, prev, count, signed = 1, GENESIS, 0, 0
    problem: Problem | None = None
    for row in _rows(session):
        count += 1
        recomputed = entry_hash(
            row.prev_hash, row.at, row.actor, row.action, row.object_type, row.object_id, row.details
        )
        if recomputed != row.hash:
            problem = Problem(
                row.seq, "altered", f"Entry {row.seq} was altered: its content no longer matches its hash."
            )
        elif row.seq != expected_seq and row.prev_hash != prev:
            problem = Problem(
                expected_seq,
                "deleted",
                f"Entry {expected_seq} was deleted: the chain jumps from "
                f"entry {expected_seq - 1} to entry {row.seq}.",
            )
        elif row.prev_hash != prev:
            moved = session.execute(select(AuditEntry.seq).where(AuditEntry.hash == row.prev_hash)).scalar()
            if moved is not None:
                problem = Problem(
                    row.seq,
                    "reordered",
                    f"Entry {row.seq} was reordered: it belongs after entry "
                    f"{moved}, not after entry {row.seq - 1}.",
                )
            else:
                problem = Problem(
                    row.seq,
                    "deleted_or_replaced",
                    f"Entry {row.seq} does not follow from entry {row.seq - 1}: an entry between "
                    f"them was deleted and the rest renumbered, or entry {row.seq - 1} was replaced.",
                )
        elif row.seq != expected_seq:
            problem = Problem(
                expected_seq,
                "reordered",
                f"Entry {row.seq} was renumbered: expected entry {expected_seq} at this place.",
            )
        elif public_key is not None and row.signature:
            try:
                public_key.verify(bytes.fromhex(row.signature), row.hash.encode("ascii"))
                signed += 1
            except (InvalidSignature, ValueError):
                problem = Problem(
                    row.seq,
                    "bad_signature",
                    f"Entry {row.seq} has an invalid signature: it was rewritten without the audit key.",
                )
        elif public_key is not None and row.key_id == key_id:
            problem = Problem(row.seq, "bad_signature", f"Entry {row.seq} lost its signature.")
        if problem is not None:
            break
        prev, expected_seq = row.hash, row.seq + 1
    if problem is None:
        last_seq = expected_seq - 1
        if head.seq > last_seq:
            problem = Problem(
                last_seq + 1,
                "truncated",
                f"Entries {last_seq + 1} to {head.seq} were deleted from the end of the chain.",
            )
        elif head.seq != last_seq or head.hash != prev:
            problem = Problem(
                last_seq, "head_altered", "The chain head record does not match the last entry."
            )
    return VerifyResult(count, signed, head.seq, head.hash, problem)


def entries(
    session: Session,
    *,
    after: int = 0,
    limit: int = 100,
    object_type: str | None = None,
    object_id: str | None = None,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return list(session.execute(query).scalars())
