"""Incident report drafts: create from a case or campaign, edit, export (Markdown, PDF)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from rempart.service.console import incident
from rempart.service.console.render import PREFIX, page
from rempart.service.console.routes_cases import not_found
from rempart.service.console.security import check_csrf, first, read_form
from rempart.service.console.session import DECIDE_ROLES, Viewer, require_viewer
from rempart.service.state import ServiceState
from rempart.store import cases, incidents
from rempart.store.errors import InvalidState, NotFound
from rempart.store.models import Campaign

router = APIRouter()
Reader = Annotated[Viewer, Depends(require_viewer())]
Analyst = Annotated[Viewer, Depends(require_viewer(DECIDE_ROLES))]


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    state.ensure_schema()
    return state


@router.get("/incidents")
def incident_list(request: Request, viewer: Reader) -> Response:
    state = _state(request)
    with state.db.read() as session:
        rows = incidents.recent(session)
    return page(request, "incidents.html", lang=viewer.lang, viewer=viewer, rows=rows)


@router.post("/incidents")
async def incident_create(request: Request, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)
    case_raw, campaign_raw = first(form, "case"), first(form, "campaign")
    case_id = int(case_raw) if case_raw.isdigit() else None
    campaign_id = int(campaign_raw) if campaign_raw.isdigit() else None

    def run() -> int:
        with state.db.write() as session:
            case = cases.get_case(session, case_id) if case_id is not None else None
            campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
            if campaign_id is not None and campaign is None:
                raise NotFound(f"Campaign {campaign_id} does not exist.")
            fields = incident.prefill(
                session,
                lang=viewer.lang,
                org=state.settings.config.org,
                catalogue=state.catalogue,
                contact=viewer.email,
                case=case,
                campaign=campaign,
            )
            report = incidents.create(
                session,
                fields,
                actor=viewer.principal.actor,
                lang=viewer.lang,
                case_id=case_id if case is not None else None,
                campaign_id=campaign_id if campaign is not None else None,
                signer=state.signer,
            )
            return report.id

    try:
        report_id = await run_in_threadpool(run)
    except (NotFound, InvalidState) as err:
        return not_found(request, viewer, str(err))
    return RedirectResponse(f"{PREFIX}/incidents/{report_id}", status_code=303)


@router.get("/incidents/{report_id}")
def incident_edit(request: Request, report_id: int, viewer: Reader) -> Response:
    state = _state(request)
    with state.db.read() as session:
        try:
            report = incidents.get(session, report_id)
        except NotFound as err:
            return not_found(request, viewer, str(err))
    return page(
        request,
        "incident.html",
        lang=viewer.lang,
        viewer=viewer,
        report=report,
        fields=report.fields,
        sections=incident.SECTIONS,
        short=incident.SHORT,
        stages=incident.STAGES,
        deadlines=incident.deadlines(report.fields.get("aware_at", "")),
        done=request.query_params.get("done", ""),
    )


@router.post("/incidents/{report_id}")
async def incident_save(request: Request, report_id: int, viewer: Analyst) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state = _state(request)
    fields = {k: first(form, k).replace("\r\n", "\n") for k in incident.SECTIONS if k in form}

    def run() -> None:
        with state.db.write() as session:
            incidents.update(session, report_id, fields, actor=viewer.principal.actor, signer=state.signer)

    try:
        await run_in_threadpool(run)
    except (NotFound, InvalidState) as err:
        return not_found(request, viewer, str(err))
    return RedirectResponse(f"{PREFIX}/incidents/{report_id}?done=saved", status_code=303)


def _stage(request: Request) -> str:
    stage = request.query_params.get("stage", "final")
    return stage if stage in incident.STAGES else "final"


def _export(request: Request, report_id: int, viewer: Viewer, fmt: str) -> Response:
    """One incident report, at the stage asked for, as a download in Markdown or PDF."""
    state = _state(request)
    with state.db.read() as session:
        try:
            report = incidents.get(session, report_id)
        except NotFound as err:
            return not_found(request, viewer, str(err))
    stage = _stage(request)
    render, media_type = _EXPORTS[fmt]
    return Response(
        render(report.fields, stage, viewer.lang),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="incident-{report_id}-{stage}.{fmt}"'},
    )


_EXPORTS: dict[str, tuple[Callable[[Mapping[str, str], str, str], str | bytes], str]] = {
    "md": (incident.to_markdown, "text/markdown; charset=utf-8"),
    "pdf": (incident.to_pdf, "application/pdf"),
}


@router.get("/incidents/{report_id}/report.md")
def incident_markdown(request: Request, report_id: int, viewer: Reader) -> Response:
    return _export(request, report_id, viewer, "md")


@router.get("/incidents/{report_id}/report.pdf")
def incident_pdf(request: Request, report_id: int, viewer: Reader) -> Response:
    return _export(request, report_id, viewer, "pdf")
