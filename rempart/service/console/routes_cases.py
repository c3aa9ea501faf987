"""The triage queue, the case view, campaigns, and the decisions made from them.

Every change goes through the same store functions as the API (``cases.decide``,
``cases.decide_campaign``, ``cases.request_release``) with the signed-in user as the actor, so each
decision and release is audited exactly once per case, like an API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from rempart.message.parse import parse_message
from rempart.service.console import evidence, queries
from rempart.service.console.render import PREFIX, page
from rempart.service.console.routes_auth import safe_next
from rempart.service.console.sanitize import SafeBody, defang, openable, safe_body
from rempart.service.console.security import check_csrf, first, read_form
from rempart.service.console.session import DECIDE_ROLES, Viewer, require_viewer
from rempart.service.intake import render_reasons
from rempart.service.state import ServiceState
from rempart.store import audit, campaigns, cases, incidents, lure, tokens, users
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import AuditEntry, Campaign

router = APIRouter()
Reader = Annotated[Viewer, Depends(require_viewer())]
Analyst = Annotated[Viewer, Depends(require_viewer(DECIDE_ROLES))]
DECISIONS = cases.DECISIONS
MAX_BULK = 500


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    state.ensure_schema()
    return state


def not_found(request: Request, viewer: Viewer, message: str) -> Response:
    return page(request, "error.html", lang=viewer.lang, viewer=viewer, status=404, title_key="error.not_found",
                message=message)


def conflict(request: Request, viewer: Viewer, message: str) -> Response:
    """The action does not fit the object's state (already decided, released, closed…): 409 with the reason."""
    return page(request, "error.html", lang=viewer.lang, viewer=viewer, status=409, title_key="error.conflict",
                message=message)


def actor_names(session: Any, entries: Sequence[AuditEntry]) -> dict[str, str]:
    """How the trail names actors: console users by address, tokens by name (the chain keeps only ids)."""
    user_ids = {int(e.actor[5:]) for e in entries if e.actor.startswith("user:") and e.actor[5:].isdigit()}
    token_ids = {int(e.actor[6:]) for e in entries if e.actor.startswith("token:") and e.actor[6:].isdigit()}
    names = {f"user:{i}": email for i, email in users.emails_by_id(session, sorted(user_ids)).items()}
    for t in tokens.list_tokens(session) if token_ids else []:
        if t.id in token_ids:
            names[f"token:{t.id}"] = f"{t.name or t.role} (token {t.id})"
    return names


@router.get("/")
def queue(request: Request, viewer: Reader) -> Response:
    state = _state(request)
    lure_types = lure.lure_types()
    f = queries.QueueFilter.from_query(request.query_params, lure_types)
    with state.db.read() as session:
        rows, total = queries.queue(session, f)
        counts = queries.counts_by_status(session)
    return page(
        request,
        "queue.html",
        lang=viewer.lang,
        viewer=viewer,
        f=f,
        rows=rows,
        total=total,
        counts=counts,
        pages=max(1, -(-total // queries.PAGE)),
        lure_types=lure_types,
        levels=queries.LEVELS,
        periods=list(queries.PERIODS),
        sorts=queries.SORTS,
        quarantine_states=queries.QUARANTINE,
        decisions=DECISIONS,
        done=request.query_params.get("done", ""),
        done_count=request.query_params.get("n", ""),
    )


def _decide(state: ServiceState, viewer: Viewer, ids: Sequence[int], decision: str, comment: str) -> int:
    with state.db.write() as session:
        touched: set[int] = set()
        for case_id in ids:
            case = cases.decide(session, case_id, decision, comment, state.opts(viewer.principal))
            if case.campaign_id is not None:
                touched.add(case.campaign_id)
        for campaign_id in sorted(touched):
            campaigns.refresh(session, campaign_id)
    state.metrics.decisions.labels(decision).inc(len(ids))
    return len(ids)


def _decision_input(form: dict[str, list[str]]) -> tuple[str, str]:
    decision = first(form, "decision")
    comment = first(form, "comment")[:5000].replace("\x00", "")
    if decision not in DECISIONS:
        raise InvalidState(f"Decision must be one of {', '.join(DECISIONS)}.")
    return decision, comment


@router.post("/cases/decide")
async def decide_many(request: Request, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)
    ids = sorted({int(v) for v in form.get("ids", []) if v.isdigit() and 0 < int(v) < 2**31})[:MAX_BULK]
    try:
        decision, comment = _decision_input(form)
        n = await run_in_threadpool(_decide, state, viewer, ids, decision, comment) if ids else 0
    except (InvalidState, NotFound) as err:
        return conflict(request, viewer, str(err))
    back = safe_next(first(form, "next"))
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done=decided&n={n}", status_code=303)


@router.get("/cases/{case_id}")
def case_view(request: Request, case_id: int, viewer: Reader) -> Response:
    state = _state(request)
    lang = viewer.lang
    with state.db.read() as session:
        try:
            case = cases.get_case(session, case_id)
        except NotFound as err:
            return not_found(request, viewer, str(err))
        stored = cases.case_facts(session, case_id) if viewer.sees_content else None
        raw = cases.raw_message(session, case_id) if viewer.sees_content else None
        addresses = cases.case_addresses(session, case_id)
        reports = cases.case_reports(session, case_id)
        trail = audit.entries(session, object_type="case", object_id=str(case_id), limit=500)
        names = actor_names(session, trail)
        campaign = session.get(Campaign, case.campaign_id) if case.campaign_id else None
        drafts = incidents.for_object(session, case_id=case_id)
    facts: dict[str, Any] = (stored or {}).get("facts") or {}
    findings: list[dict[str, Any]] = (stored or {}).get("findings") or []
    verdict = case.verdict or {}
    body: SafeBody | None = None
    if raw is not None:
        message = parse_message(raw, state.settings.config.limits)
        view = request.query_params.get("body", "")
        body = safe_body("" if view == "text" else message.html, message.text or message.html_text)
    return page(
        request,
        "case.html",
        lang=lang,
        viewer=viewer,
        case=case,
        campaign=campaign,
        reasons=render_reasons(verdict.get("reasons", []), lang, state.catalogue),
        rule_hits=evidence.rule_rows(verdict, lang),
        model_score=verdict.get("model_score"),
        auth=evidence.auth_results(facts) if facts else [],
        header_rows=evidence.header_rows(facts) if facts else [],
        hops=evidence.received_chain(facts) if facts else [],
        lookalikes=evidence.lookalikes(findings),
        links=evidence.link_rows(facts, findings, lang, state.catalogue) if facts else [],
        attachments=evidence.attachment_rows(facts, findings, lang, state.catalogue) if facts else [],
        body=body,
        body_view=request.query_params.get("body", ""),
        has_content=stored is not None,
        addresses=addresses,
        reports=reports,
        trail=trail,
        actor_names=names,
        drafts=drafts,
        decisions=DECISIONS,
        done=request.query_params.get("done", ""),
    )


@router.post("/cases/{case_id}/decision")
async def decide_one(request: Request, case_id: int, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)
    try:
        decision, comment = _decision_input(form)
        await run_in_threadpool(_decide, state, viewer, [case_id], decision, comment)
    except NotFound as err:
        return not_found(request, viewer, str(err))
    except InvalidState as err:
        return conflict(request, viewer, str(err))
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done=decided", status_code=303)


@router.post("/cases/{case_id}/release")
async def release(request: Request, case_id: int, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)

    def run() -> None:
        with state.db.write() as session:
            cases.request_release(session, case_id, state.opts(viewer.principal))

    try:
        await run_in_threadpool(run)
    except NotFound as err:
        return not_found(request, viewer, str(err))
    except InvalidState as err:
        return conflict(request, viewer, str(err))
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done=released", status_code=303)


@router.get("/campaigns")
def campaign_list(request: Request, viewer: Reader) -> Response:
    state = _state(request)
    status = request.query_params.get("status", "open")
    with state.db.read() as session:
        rows = queries.campaigns(session, status)
    return page(request, "campaigns.html", lang=viewer.lang, viewer=viewer, rows=rows, list_status=status)


@router.get("/campaigns/{campaign_id}")
def campaign_view(request: Request, campaign_id: int, viewer: Reader) -> Response:
    state = _state(request)
    f = queries.QueueFilter(status="all", campaign=campaign_id, sort="newest")
    with state.db.read() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return not_found(request, viewer, f"Campaign {campaign_id} does not exist.")
        rows, total = queries.queue(session, f)
        drafts = incidents.for_object(session, campaign_id=campaign_id)
    return page(
        request,
        "campaign.html",
        lang=viewer.lang,
        viewer=viewer,
        campaign=campaign,
        rows=rows,
        total=total,
        drafts=drafts,
        decisions=DECISIONS,
        done=request.query_params.get("done", ""),
        done_count=request.query_params.get("n", ""),
    )


@router.post("/campaigns/{campaign_id}/decision")
async def decide_campaign(request: Request, campaign_id: int, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)

    def run(decision: str, comment: str) -> int:
        with state.db.write() as session:
            _c, count = cases.decide_campaign(session, campaign_id, decision, comment, state.opts(viewer.principal))
        state.metrics.decisions.labels(decision).inc(count)
        return count

    try:
        decision, comment = _decision_input(form)
        n = await run_in_threadpool(run, decision, comment)
    except NotFound as err:
        return not_found(request, viewer, str(err))
    except InvalidState as err:
        return conflict(request, viewer, str(err))
    return RedirectResponse(f"{PREFIX}/campaigns/{campaign_id}?done=decided&n={n}", status_code=303)


@router.get("/leave")
def leave(request: Request, viewer: Reader, url: str = "") -> Response:
    """The warned way out to a link found in a message: shows where it goes; the user decides."""
    target = openable(url[:4000])
    return page(request, "leave.html", lang=viewer.lang, viewer=viewer, url=target, shown=defang(url[:4000]))
