"""``POST /scan`` and ``POST /reports``: messages in, verdicts out, cases kept."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from rempart.service import schemas
from rempart.service.auth import Principal, require
from rempart.service.intake import new_case
from rempart.service.routers.common import RAW_BODY
from rempart.service.scanning import ScanOutcome
from rempart.service.state import ServiceState, service_state
from rempart.store import cases

router = APIRouter(tags=["intake"])
EMAIL = r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,255}$"


async def _scan(request: Request, state: ServiceState, *, keep: bool) -> tuple[bytes, ScanOutcome]:
    raw = await request.body()
    if not raw.strip():
        raise HTTPException(422, "The request body is empty; send the raw message.")
    outcome = await state.scanner.scan(raw, keep=keep)
    verdict = outcome.verdict
    state.metrics.scans.labels(verdict.level.value).inc()
    state.metrics.scan_seconds.observe(verdict.timings.get("total", 0.0) / 1000)
    errors = sum(1 for f in verdict.findings if f.code == "engine.analyzer_error")
    if errors:
        state.metrics.analyzer_errors.inc(errors)
    return raw, outcome


def _verdict_out(outcome: ScanOutcome, lang: str, state: ServiceState, case_id: int | None) -> dict[str, Any]:
    return {**outcome.verdict.to_dict(lang, state.catalogue), "case_id": case_id}


@router.post(
    "/scan",
    response_model=schemas.VerdictOut,
    openapi_extra=RAW_BODY,
    summary="Scan one message; ?store=true keeps a case",
)
async def scan(
    request: Request,
    principal: Annotated[Principal, Depends(require("ingest", "analyst"))],
    state: Annotated[ServiceState, Depends(service_state)],
    store: Annotated[bool, Query(description="Keep the message as a case.")] = False,
    lang: Annotated[schemas.Lang, Query(description="Language of the reasons.")] = "en",
) -> dict[str, Any]:
    raw, outcome = await _scan(request, state, keep=store)
    opts = state.opts(principal)
    if store:
        kept = new_case(raw, outcome.verdict, outcome.signature, content=outcome.content)

        def write(session: Session) -> int | None:
            return cases.add_case(session, kept, opts).id

    else:
        digest = hashlib.sha256(raw).hexdigest()

        def write(session: Session) -> int | None:
            cases.record_scan(
                session, digest=digest, level=outcome.verdict.level.value, score=outcome.verdict.score, opts=opts
            )
            return None

    case_id = await state.writer.run_async(write)  # returns once committed (group commit)
    if case_id is not None:
        state.metrics.cases.labels("scan").inc()
    return _verdict_out(outcome, lang, state, case_id)


@router.post(
    "/reports",
    response_model=schemas.ReportOut,
    openapi_extra=RAW_BODY,
    summary="File a message reported by an employee (creates or joins a case)",
)
async def report(
    request: Request,
    principal: Annotated[Principal, Depends(require("reporter", "ingest"))],
    state: Annotated[ServiceState, Depends(service_state)],
    reporter: Annotated[str, Query(max_length=320, pattern=EMAIL, description="The reporter's address.")],
    channel: Annotated[str, Query(pattern="^(api|imap|button)$")] = "api",
    lang: Annotated[schemas.Lang, Query()] = "en",
) -> dict[str, Any]:
    raw, outcome = await _scan(request, state, keep=True)
    opts = state.opts(principal)
    reported = new_case(raw, outcome.verdict, outcome.signature, source="report", content=outcome.content)

    def write(session: Session) -> tuple[int, int, bool, int | None]:
        case, filed, joined = cases.add_report(session, reported, reporter, opts, channel=channel)
        return case.id, filed.id, joined, case.campaign_id

    case_id, report_id, joined, campaign_id = await state.writer.run_async(write)
    state.metrics.reports.inc()
    if not joined:
        state.metrics.cases.labels("report").inc()
    return {
        "case_id": case_id,
        "report_id": report_id,
        "joined": joined,
        "campaign_id": campaign_id,
        "verdict": _verdict_out(outcome, lang, state, case_id),
    }
