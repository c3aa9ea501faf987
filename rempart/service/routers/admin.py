"""Statistics, labels export, the audit trail and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from rempart.service import schemas, views
from rempart.service.auth import Principal, require
from rempart.service.routers.common import IdPath, naive_utc
from rempart.service.state import ServiceState, service_state
from rempart.store import audit, labels, stats, tokens

router = APIRouter()
State = Annotated[ServiceState, Depends(service_state)]


@router.get("/stats", tags=["stats"], summary="Counts by verdict, lure type and day; targets; reports")
def get_stats(
    _p: Annotated[Principal, Depends(require("analyst", "auditor"))],
    state: State,
    since: datetime | None = None,
    until: datetime | None = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    with state.db.read() as session:
        return stats.stats(session, since=naive_utc(since, "since"), until=naive_utc(until, "until"), top=top)


@router.get(
    "/export/labels.csv",
    tags=["export"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Analyst decisions as a labels CSV",
)
def export_labels(
    _p: Annotated[Principal, Depends(require("analyst"))], state: State, since: datetime | None = None
) -> Response:
    with state.db.read() as session:
        body = labels.labels_csv(session, since=naive_utc(since, "since"))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="labels.csv"'},
    )


Auditor = Annotated[Principal, Depends(require("auditor"))]


@router.get("/audit", tags=["audit"], response_model=list[schemas.AuditOut], summary="Audit entries in order")
def list_audit(
    _p: Auditor,
    state: State,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.AuditOut]:
    with state.db.read() as session:
        return [views.audit_out(e) for e in audit.entries(session, after=after, limit=limit)]


@router.get("/audit/verify", tags=["audit"], response_model=schemas.VerifyOut, summary="Walk the hash chain")
def verify_audit(_p: Auditor, state: State) -> schemas.VerifyOut:
    key = state.signer.public_key if state.signer else None
    with state.db.read() as session:
        result = audit.verify(session, key)
    problem = None if result.problem is None else schemas.ProblemOut(**result.problem.__dict__)
    return schemas.VerifyOut(
        ok=result.ok,
        entries=result.entries,
        signed=result.signed,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        problem=problem,
    )


Admin = Annotated[Principal, Depends(require())]


def _token_out(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "role": t.role,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "revoked_at": t.revoked_at,
        "last_used_at": t.last_used_at,
    }


@router.get(
    "/tokens", tags=["tokens"], response_model=list[schemas.TokenOut], summary="API tokens (no secrets)"
)
def list_tokens(_p: Admin, state: State) -> list[dict[str, Any]]:
    with state.db.read() as session:
        return [_token_out(t) for t in tokens.list_tokens(session)]


@router.post(
    "/tokens",
    tags=["tokens"],
    response_model=schemas.TokenCreated,
    status_code=201,
    summary="Create a token (the secret is returned once)",
)
def create_token(body: schemas.TokenIn, principal: Admin, state: State) -> dict[str, Any]:
    days = state.settings.config.service.token_default_days if body.days is None else body.days
    with state.db.write() as session:
        record, secret = tokens.create_token(
            session, role=body.role, name=body.name, actor=principal.actor, days=days, signer=state.signer
        )
        return {**_token_out(record), "token": secret}


@router.delete(
    "/tokens/{token_id}", tags=["tokens"], response_model=schemas.TokenOut, summary="Revoke a token"
)
def revoke_token(token_id: IdPath, principal: Admin, state: State) -> dict[str, Any]:
    with state.db.write() as session:
        out = _token_out(tokens.revoke(session, token_id, actor=principal.actor, signer=state.signer))
    if state.token_auth is not None:
        state.token_auth.forget(token_id)  # refused from the next request on
    return out
