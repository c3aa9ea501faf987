"""Cases and campaigns: list, read, decide, release."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select

from rempart.service import schemas, views
from rempart.service.auth import Principal, require
from rempart.service.routers.common import NO_NUL, IdPath, Limit, Offset, naive_utc
from rempart.service.state import ServiceState, service_state
from rempart.store import audit, cases
from rempart.store.errors import NotFound
from rempart.store.models import Campaign

router = APIRouter(tags=["cases"])
Reader = Annotated[Principal, Depends(require("analyst", "auditor"))]
Analyst = Annotated[Principal, Depends(require("analyst"))]
State = Annotated[ServiceState, Depends(service_state)]


@router.get("/cases", response_model=schemas.CasePage, summary="Cases, newest first, with filters")
def list_cases(
    _p: Reader,
    state: State,
    verdict: schemas.Level | None = None,
    status: Annotated[str | None, Query(pattern="^(new|decided)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sender_domain: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    reporter: Annotated[str | None, Query(max_length=320, pattern=NO_NUL)] = None,
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    lure_type: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    quarantine: Annotated[str | None, Query(pattern="^(none|held|release_requested|released)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.CasePage:
    f = cases.CaseFilter(
        level=verdict,
        status=status,
        since=naive_utc(since, "since"),
        until=naive_utc(until, "until"),
        sender_domain=sender_domain,
        reporter=reporter,
        campaign_id=campaign_id,
        lure_type=lure_type,
        quarantine=quarantine,
    )
    with state.db.read() as session:
        rows, total = cases.find_cases(session, f, limit=limit, offset=offset)
        return schemas.CasePage(total=total, limit=limit, offset=offset, items=views.summaries(session, rows))


@router.get(
    "/cases/{case_id}", response_model=schemas.CaseDetail, summary="One case: reasons, evidence, audit"
)
def get_case(
    case_id: IdPath, principal: Reader, state: State, lang: schemas.Lang = "en"
) -> schemas.CaseDetail:
    with state.db.read() as session:
        case = cases.get_case(session, case_id)
        facts = None if principal.role == "auditor" else cases.case_facts(session, case_id)
        return views.case_detail(
            session,
            case,
            lang=lang,
            catalogue=state.catalogue,
            facts=None if facts is None else facts.get("facts"),
            addresses=cases.case_addresses(session, case_id),
            reports=cases.case_reports(session, case_id),
            audit=audit.entries(session, object_type="case", object_id=str(case_id), limit=500),
        )


@router.get(
    "/cases/{case_id}/raw",
    summary="The original message (.eml), while retention keeps it",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}, 404: {}},
)
def get_raw(case_id: IdPath, _p: Analyst, state: State) -> Response:
    with state.db.read() as session:
        cases.get_case(session, case_id)
        raw = cases.raw_message(session, case_id)
    if raw is None:
        raise NotFound(f"The raw message of case {case_id} was purged (retention or erasure).")
    return Response(
        raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.eml"'},
    )


@router.post(
    "/cases/{case_id}/decision", response_model=schemas.CaseSummary, summary="Record an analyst decision"
)
def decide(
    case_id: IdPath, body: schemas.DecisionIn, principal: Analyst, state: State
) -> schemas.CaseSummary:
    with state.db.write() as session:
        case = cases.decide(session, case_id, body.decision, body.comment, state.opts(principal))
        if case.campaign_id is not None:
            from rempart.store.campaigns import refresh

            refresh(session, case.campaign_id)
        out = views.summaries(session, [case])[0]
    state.metrics.decisions.labels(body.decision).inc()
    return out


@router.post(
    "/cases/{case_id}/release",
    response_model=schemas.CaseSummary,
    summary="Release quarantined mail (the gateway delivers it)",
)
def release(case_id: IdPath, principal: Analyst, state: State) -> schemas.CaseSummary:
    with state.db.write() as session:
        case = cases.request_release(session, case_id, state.opts(principal))
        return views.summaries(session, [case])[0]


@router.get("/campaigns", response_model=schemas.CampaignPage, summary="Campaigns, highest priority first")
def list_campaigns(
    _p: Reader,
    state: State,
    status: Annotated[str | None, Query(pattern="^(open|decided)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.CampaignPage:
    query = select(Campaign)
    count = select(func.count(Campaign.id))
    if status:
        query, count = query.where(Campaign.status == status), count.where(Campaign.status == status)
    with state.db.read() as session:
        total = session.execute(count).scalar_one()
        rows = (
            session.execute(
                query.order_by(Campaign.priority.desc(), Campaign.id.desc()).limit(limit).offset(offset)
            )
            .scalars()
            .all()
        )
        return schemas.CampaignPage(
            total=int(total), limit=limit, offset=offset, items=[views.campaign_summary(c) for c in rows]
        )


@router.get(
    "/campaigns/{campaign_id}", response_model=schemas.CampaignDetail, summary="One campaign and its cases"
)
def get_campaign(campaign_id: IdPath, _p: Reader, state: State) -> schemas.CampaignDetail:
    from rempart.store.campaigns import campaign_cases

    with state.db.read() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"Campaign {campaign_id} does not exist.")
        members = views.summaries(session, campaign_cases(session, campaign_id))
        return schemas.CampaignDetail(**views.campaign_summary(campaign).model_dump(), cases=members)


@router.post(
    "/campaigns/{campaign_id}/decision",
    response_model=schemas.CampaignDecisionOut,
    summary="Apply a decision to every case of a campaign (audited once per case)",
)
def decide_campaign(
    campaign_id: IdPath, body: schemas.DecisionIn, principal: Analyst, state: State
) -> schemas.CampaignDecisionOut:
    with state.db.write() as session:
        campaign, count = cases.decide_campaign(
            session, campaign_id, body.decision, body.comment, state.opts(principal)
        )
        out = schemas.CampaignDecisionOut(campaign=views.campaign_summary(campaign), cases_decided=count)
    state.metrics.decisions.labels(body.decision).inc(count)
    return out
