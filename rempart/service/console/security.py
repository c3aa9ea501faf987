"""Browser-facing protections: security headers, session and CSRF cookies, form checks.

- Every console response carries a strict Content-Security-Policy (scripts, styles and images from
  the console itself only; ``img-src 'self' data:``; no frames, no plugins, no ``<base>``), plus
  ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Cross-Origin-Opener-Policy`` and
  ``Cache-Control: no-store`` on pages (they show mail). ``Referrer-Policy: same-origin``, not
  ``no-referrer``: under ``no-referrer`` browsers send ``Origin: null`` with forms, which would defeat
  the origin check; links out of the console carry ``rel=noreferrer`` anyway.
- The session cookie is ``HttpOnly``, ``SameSite=Strict``, ``Path=/``, and ``Secure`` when the
  request came over TLS (directly, or through a proxy uvicorn trusts with ``--proxy-headers``).
- CSRF: every state-changing form carries a token derived from the session secret (a synchroniser
  token nobody can compute without the cookie); the sign-in form, before any session exists, uses a
  double-submit cookie. Requests whose ``Origin`` names another site are refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response

SESSION_COOKIE = "rempart_session"
LOGIN_CSRF_COOKIE = "rempart_login_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 512 * 1024
MAX_FORM_FIELDS = 600

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def security_headers_middleware(
    prefix: str,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def add_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path == prefix or request.url.path.startswith(prefix + "/"):
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
            if is_tls(request):
                response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            if not request.url.path.startswith(prefix + "/static/"):
                response.headers["Cache-Control"] = "no-store"
        return response

    return add_headers


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=is_tls(request),
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", secure=is_tls(request), httponly=True, samesite="strict")


def csrf_token(session_secret: str) -> str:
    """The CSRF token of a session: derived from its secret, so only its holder can know it."""
    return hashlib.sha256(b"rempart-console-csrf:" + session_secret.encode("utf-8")).hexdigest()


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return parts.netloc == host and parts.scheme == request.url.scheme


class FormRejected(Exception):
    """A console form refused before anything changed; the console answers with an error page."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key  # UI catalogue key of the explanation


def _forbidden() -> FormRejected:
    return FormRejected(403, "error.form_expired")


async def read_form(request: Request) -> dict[str, list[str]]:
    """The URL-encoded form of a POST (bounded), without the multipart machinery."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormRejected(413, "error.form_too_large")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormRejected(415, "error.form_unreadable")
    try:
        text = body.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise FormRejected(400, "error.form_unreadable") from None


def check_csrf(request: Request, form: dict[str, list[str]], expected: str) -> None:
    sent = (form.get(CSRF_FIELD) or [""])[0] or request.headers.get(CSRF_HEADER, "")
    if not same_origin(request) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise _forbidden()


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0] if values else default
