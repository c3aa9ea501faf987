"""Jinja2 templates shipped in the package, rendered with the viewer's language and CSRF token."""

from __future__ import annotations

import json
from functools import cache, partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

import rempart
from rempart.service.console import i18n
from rempart.service.console.sanitize import defang
from rempart.service.console.security import CSRF_FIELD
from rempart.service.console.session import Viewer
from rempart.store.timeutil import utcnow

PREFIX = "/console"
VERSION = getattr(rempart, "__version__", "0")


def _from_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rempart.service.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(prefix=PREFIX, version=VERSION, csrf_field=CSRF_FIELD, defang=defang)
    env.filters["fromjson"] = _from_json
    return env


def page(
    request: Request,
    template: str,
    *,
    lang: str,
    viewer: Viewer | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    now = utcnow()
    html = environment().get_template(template).render(
        request_path=request.url.path,
        lang=lang,
        viewer=viewer,
        csrf=viewer.csrf if viewer else context.pop("csrf", ""),
        t=partial(i18n.text, lang),
        label=partial(i18n.label, lang),
        when=partial(i18n.when, lang),
        age=lambda value: i18n.age(lang, value, now),
        duration=partial(i18n.duration, lang),
        number=partial(i18n.number, lang),
        now=now,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=headers)
