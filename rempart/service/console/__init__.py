"""The analyst console: server-rendered pages under ``/console``, mounted by ``mount(app)``.

Triage queue, case view (reasons, then evidence, then the body made inert), campaigns, dashboard
with exportable charts, NIS2-style incident report drafts, sign-in for console users
(``rempart user create``), in English and French. Pages are Jinja2 templates with the console's
own CSS and a small script, all shipped in the package (no CDN, no build step). Security headers,
session cookies and CSRF are described in ``security.py``. Every change goes through
``rempart.store`` with the signed-in user as the audit actor. See docs/console.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from rempart.service.console import i18n
from rempart.service.console.render import PREFIX, page
from rempart.service.console.security import FormRejected, security_headers_middleware
from rempart.service.console.session import LoginRequired, NotAllowed, session_authenticator, viewer_of

STATIC = Path(__file__).parent / "static"

__all__ = ["PREFIX", "mount"]


def mount(app: FastAPI) -> None:
    """Add the console to the service's app (called once by ``create_app``)."""
    from rempart.service.console import routes_auth, routes_cases, routes_dashboard, routes_incidents

    state = app.state.service
    app.state.authenticators.append(session_authenticator(state.db))
    app.state.console_login_limiter = routes_auth.login_limiter()
    for module in (routes_auth, routes_cases, routes_dashboard, routes_incidents):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.middleware("http")(security_headers_middleware(PREFIX))

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.get(PREFIX, include_in_schema=False)
    def console_root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _err: LoginRequired) -> Response:
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = PREFIX + "/"
        return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(NotAllowed)
    async def _forbidden(request: Request, _err: NotAllowed) -> Response:
        return await run_in_threadpool(_error_page, request, 403, "error.forbidden", "error.forbidden_text")

    @app.exception_handler(FormRejected)
    async def _rejected(request: Request, err: FormRejected) -> Response:
        return await run_in_threadpool(_error_page, request, err.status, "error.form_title", err.key)


def _error_page(request: Request, status: int, title_key: str, text_key: str) -> Response:
    viewer = viewer_of(request)
    lang = viewer.lang if viewer else i18n.pick_lang(None, request.headers.get("accept-language", ""))
    return page(request, "error.html", lang=lang, viewer=viewer, status=status, title_key=title_key,
                message=i18n.text(lang, text_key))
