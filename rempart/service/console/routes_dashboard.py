"""The dashboard page and each chart's CSV and PNG export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from rempart.service.console import charts, dashboard, i18n
from rempart.service.console.render import page
from rempart.service.console.session import Viewer, require_viewer
from rempart.service.state import ServiceState

router = APIRouter()
Reader = Annotated[Viewer, Depends(require_viewer())]
PERIODS = (7, 30, 90)


def _days(request: Request) -> int:
    raw = request.query_params.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else 30


def _build(request: Request, viewer: Viewer) -> dashboard.Dashboard:
    state: ServiceState = request.app.state.service
    state.ensure_schema()
    with state.db.read() as session:
        return dashboard.build(session, state.settings.config.org, viewer.lang, _days(request))


@router.get("/dashboard")
def dashboard_page(request: Request, viewer: Reader) -> Response:
    board = _build(request, viewer)
    drawings = {key: charts.draw(chart, viewer.lang) for key, chart in board.charts.items()}
    return page(
        request, "dashboard.html", lang=viewer.lang, viewer=viewer, board=board, drawings=drawings, periods=PERIODS
    )


def _filename(key: str, days: int, ext: str) -> str:
    return f'attachment; filename="rempart-{key}-{days}d.{ext}"'


@router.get("/dashboard/{key}.csv")
def chart_csv(request: Request, key: str, viewer: Reader) -> Response:
    if key not in dashboard.CHARTS:
        return Response("unknown chart", status_code=404, media_type="text/plain")
    board = _build(request, viewer)
    return Response(
        "\ufeff" + charts.to_csv(board.charts[key]),  # BOM: spreadsheet software then reads UTF-8 accents right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _filename(key, board.days, "csv")},
    )


@router.get("/dashboard/{key}.png")
async def chart_png(request: Request, key: str, viewer: Reader) -> Response:
    if key not in dashboard.CHARTS:
        return Response("unknown chart", status_code=404, media_type="text/plain")
    board = await run_in_threadpool(_build, request, viewer)
    title = i18n.text(viewer.lang, f"dash.chart.{key}")
    png = await run_in_threadpool(charts.to_png, board.charts[key], title, viewer.lang)
    return Response(png, media_type="image/png", headers={"Content-Disposition": _filename(key, board.days, "png")})
