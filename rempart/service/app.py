"""The FastAPI application: ``create_app(settings)``.

At start (lifespan): open the database and migrate it (if it is down, the service still starts
and answers 503 until it is back), load the audit signing key, build the engine once and fork the
scan pool from it, schedule the retention purge. Logs say what happened to a request (method,
route, status, duration, principal id) and never carry message content, addresses or tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

import rempart
from rempart.catalogue import Catalogue
from rempart.engine.build import build_engine
from rempart.service import schemas
from rempart.service.auth import token_authenticator
from rempart.service.limits import BodyLimitMiddleware, RateLimiter
from rempart.service.metrics import Metrics, ObserveMiddleware
from rempart.service.routers import admin, cases, intake
from rempart.service.scanning import Scanner, ScanUnavailable
from rempart.service.settings import Settings
from rempart.service.state import ServiceState, build_signer
from rempart.store import retention
from rempart.store.database import Database
from rempart.store.errors import DatabaseUnavailable, InvalidState, NotFound

log = logging.getLogger("rempart.service")
API = "/api/v1"


def _error(status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def _install_handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(DatabaseUnavailable)
    async def _db_down(_r: Request, err: DatabaseUnavailable) -> JSONResponse:
        metrics.db_unavailable.inc()
        metrics.up.set(0)
        return _error(503, "database_unavailable", str(err), {"Retry-After": "5"})

    @app.exception_handler(ScanUnavailable)
    async def _scan_down(_r: Request, err: ScanUnavailable) -> JSONResponse:
        metrics.scan_unavailable.inc()
        return _error(503, "scanner_unavailable", str(err), {"Retry-After": "5"})

    @app.exception_handler(NotFound)
    async def _not_found(_r: Request, err: NotFound) -> JSONResponse:
        return _error(404, "not_found", str(err))

    @app.exception_handler(InvalidState)
    async def _conflict(_r: Request, err: InvalidState) -> JSONResponse:
        return _error(409, "invalid_state", str(err))


def _health_router(state_of: Callable[[], ServiceState]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/healthz",
        response_model=schemas.HealthOut,
        responses={503: {"model": schemas.HealthOut}},
        summary="Liveness and readiness (no authentication)",
    )
    def healthz() -> JSONResponse:
        state = state_of()
        detail = ""
        try:
            state.ensure_schema(force=True)
            state.db.ping()
            database = "ok"
            state.metrics.up.set(1)
        except DatabaseUnavailable as err:
            database, detail = "unavailable", str(err)
            state.metrics.up.set(0)
        scanner = "ok" if state.scanner.ready else "unavailable"
        ok = database == "ok" and scanner == "ok"
        body = {
            "status": "ok" if ok else "degraded",
            "database": database,
            "scanner": scanner,
            "detail": detail,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get(
        "/metrics",
        response_class=Response,
        summary="Prometheus metrics (no authentication)",
        responses={200: {"content": {"text/plain": {}}}},
    )
    def metrics() -> Response:
        return Response(generate_latest(state_of().metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(settings: Settings) -> FastAPI:
    service = settings.config.service
    metrics = Metrics()
    db = Database(settings.database_url, schema=settings.database_schema)
    engine = build_engine(settings.config)
    state = ServiceState(
        settings=settings,
        db=db,
        scanner=Scanner(engine, service.scan_workers, service.scan_timeout_seconds),
        catalogue=Catalogue.load_shipped(),
        metrics=metrics,
        signer=build_signer(settings),
    )
    metrics.watch_writer(state.writer)

    async def purge_loop() -> None:
        while True:
            try:
                total = 0
                while True:
                    n = await run_in_threadpool(_purge_batch, state)
                    total += n
                    if n == 0:
                        break
                if total:
                    metrics.purged.inc(total)
                    log.info("retention purged the raw content of %d cases", total)
            except DatabaseUnavailable as err:
                log.warning("retention purge skipped: %s", err)
            if settings.purge_interval_seconds <= 0:
                return
            await asyncio.sleep(settings.purge_interval_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(state.ensure_schema, force=True)
        except DatabaseUnavailable as err:
            log.error("starting without a database: %s", err)
        state.scanner.start()
        state.writer.start()  # after the scan pool forked: the children never see this thread
        purger = asyncio.create_task(purge_loop())
        try:
            yield
        finally:
            purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purger
            state.scanner.stop()
            await run_in_threadpool(state.writer.stop)  # commits what is queued
            db.dispose()

    app = FastAPI(
        title="Rempart",
        version=getattr(rempart, "__version__", "0.1.0"),
        description="Phishing, BEC and malicious-attachment detection, explained. "
        "Authenticate with `Authorization: Bearer TOKEN`.",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = state
    app.state.rate_limiter = RateLimiter(service.rate_limit_per_minute, service.rate_limit_burst)
    state.token_auth = token_authenticator(db)
    app.state.authenticators = [state.token_auth]
    _install_handlers(app, metrics)

    app.add_middleware(ObserveMiddleware, metrics=metrics, logger=log)
    app.add_middleware(BodyLimitMiddleware, max_bytes=service.max_body_bytes)  # outermost: before any read
    health = _health_router(lambda: state)
    app.include_router(health, prefix=API)
    app.include_router(health, include_in_schema=False)  # /healthz and /metrics at the root too
    for router in (intake.router, cases.router, admin.router):
        app.include_router(router, prefix=API)
    from rempart.service.console import mount as mount_console  # the analyst console under /console

    mount_console(app)
    return app


def _purge_batch(state: ServiceState) -> int:
    state.ensure_schema()
    with state.db.write() as session:
        return retention.purge(
            session, retention_days=state.settings.config.service.retention_days, signer=state.signer
        )
