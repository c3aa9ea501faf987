"""Sign-in, sign-out and the language preference."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from rempart.service.console import i18n
from rempart.service.console.render import PREFIX, page
from rempart.service.console.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    clear_cookie,
    first,
    new_login_nonce,
    read_form,
    same_origin,
    set_cookie,
)
from rempart.service.console.session import Viewer, require_viewer, viewer_of
from rempart.service.limits import RateLimiter
from rempart.service.state import ServiceState
from rempart.store import users

router = APIRouter()
LOGIN_NONCE_SECONDS = 3600


def login_limiter() -> RateLimiter:
    """Sign-in attempts allowed per client address and per account (``app.state.console_login_limiter``)."""
    return RateLimiter(per_minute=10, burst=10)


def safe_next(value: str) -> str:
    """Only a path inside the console, never another site (``//host``, ``/\\host``, schemes)."""
    if value.startswith(PREFIX) and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return PREFIX + "/"


def _login_page(request: Request, lang: str, nxt: str, error: str = "", status: int = 200) -> Response:
    nonce = new_login_nonce()
    response = page(request, "login.html", lang=lang, status=status, csrf=nonce, next=nxt, error=error)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, nonce, LOGIN_NONCE_SECONDS)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "", lang: str = "") -> Response:
    if viewer_of(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    chosen = i18n.pick_lang(lang, request.headers.get("accept-language", ""))
    return _login_page(request, chosen, safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    lang = i18n.pick_lang(first(form, "lang"), request.headers.get("accept-language", ""))
    nxt = safe_next(first(form, "next"))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = first(form, "csrf")
    if not same_origin(request) or not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return _login_page(request, lang, nxt, i18n.text(lang, "login.expired"), 403)
    email, password = first(form, "email")[:320], first(form, "password")
    client = request.client.host if request.client else "?"
    limiter: RateLimiter = request.app.state.console_login_limiter
    if limiter.acquire(f"ip:{client}") > 0 or limiter.acquire(f"user:{email.strip().lower()}") > 0:
        return _login_page(request, lang, nxt, i18n.text(lang, "login.throttled"), 429)
    state: ServiceState = request.app.state.service
    state.ensure_schema()

    def attempt() -> tuple[users.ConsoleUser, str] | None:
        with state.db.read() as session:  # argon2 takes tens of milliseconds: not under the write lock
            check = users.check_credentials(session, email, password)
        with state.db.write() as session:
            return users.start_session(session, check, signer=state.signer)

    result = await run_in_threadpool(attempt)
    if result is None:
        return _login_page(request, lang, nxt, i18n.text(lang, "login.failed"), 401)
    _user, secret = result
    response = RedirectResponse(nxt, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, secret, int(users.SESSION_LIFETIME.total_seconds()))
    clear_cookie(response, request, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, viewer: Annotated[Viewer, Depends(require_viewer())]) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    state: ServiceState = request.app.state.service

    def end() -> None:
        with state.db.write() as session:
            users.sign_out(session, viewer.secret, signer=state.signer)

    await run_in_threadpool(end)
    response = RedirectResponse(f"{PREFIX}/login?lang={viewer.lang}", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.post("/preferences")
async def preferences(request: Request, viewer: Annotated[Viewer, Depends(require_viewer())]) -> Response:
    form = await read_form(request)
    check_csrf(request, form, viewer.csrf)
    lang = first(form, "lang")
    state: ServiceState = request.app.state.service
    if lang in i18n.LANGS:

        def save() -> None:
            with state.db.write() as session:
                users.set_lang(session, viewer.principal.id, lang)

        await run_in_threadpool(save)
    return RedirectResponse(safe_next(first(form, "next")), status_code=303)
