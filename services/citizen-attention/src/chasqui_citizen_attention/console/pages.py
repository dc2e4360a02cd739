"""Rendering the console's pages: one Jinja2 environment (autoescaped), the context every page has,
and the one place where a refused use case becomes a page with its messages."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

from chasqui_common.clock import LIMA
from chasqui_common.errors import DomainError
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import ValidationError

from chasqui_citizen_attention.application.process_map_picture import process_map_svg, step_words
from chasqui_citizen_attention.console.desk import Desk, words_in_detail
from chasqui_citizen_attention.console.messages import (
    STATUS_WORDS,
    FormErrors,
    from_domain_error,
    from_validation_error,
)
from chasqui_citizen_attention.console.session import PREFIX, Clerk

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
TEMPLATES.env.filters["estado"] = lambda value: STATUS_WORDS.get(str(value), str(value))
TEMPLATES.env.filters["minutos"] = lambda seconds: (
    "—" if seconds is None else f"{float(seconds) / 60:.1f} min"
)
TEMPLATES.env.filters["fecha"] = lambda day: "—" if day is None else day.strftime("%d/%m/%Y")
# Instants are kept in UTC; a clerk reads them in Lima time.
TEMPLATES.env.filters["hora"] = lambda moment: (
    "—" if moment is None else moment.astimezone(LIMA).strftime("%d/%m/%Y %H:%M")
)
TEMPLATES.env.filters["detalle"] = lambda text: words_in_detail(str(text))
TEMPLATES.env.globals["step_words"] = step_words
# The same picture as GET /v1/figures/process-map.svg (one renderer, application/process_map_picture).
TEMPLATES.env.globals["process_map_svg"] = lambda process: Markup(process_map_svg(process))

NOTICE_COOKIE = "chasqui_console_aviso"


def render(
    request: Request,
    template: str,
    *,
    title: str,
    clerk: Clerk | None,
    section: str = "",
    errors: FormErrors | None = None,
    notice: str | None = None,
    status_code: int = 200,
    desk: Desk | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page: `title` is its <title> and <h1>; `errors` fills the summary and the field messages;
    `notice` (else the one the last redirection left, `see_other`) is announced as a status.

    A page that shows errors answers 422 (or the `status_code` given), so tests and proxies see
    that the request was refused, while the browser shows the form again."""
    if errors is not None and status_code == 200:
        status_code = 422
    flashed = request.cookies.get(NOTICE_COOKIE)
    values: dict[str, Any] = {
        "prefix": PREFIX,
        "title": title,
        "clerk": clerk,
        "section": section,
        "errors": errors,
        "notice": notice or (unquote(flashed)[:300] if flashed else None),
        "municipality_name": desk.municipality.name if desk else "",
        "form": {},
    }
    values.update(context)
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
    if flashed:
        response.delete_cookie(NOTICE_COOKIE, path=PREFIX)
    return response


def see_other(path: str, notice: str | None = None) -> RedirectResponse:
    """Post/redirect/get: after a form is accepted the browser loads `path`, which announces
    `notice` once. The notice travels in a short-lived cookie, not the URL, so no link can put
    words of its own on a console page."""
    response = RedirectResponse(PREFIX + path, status_code=303)
    if notice:
        response.set_cookie(
            NOTICE_COOKIE, quote(notice, safe=""), max_age=60, path=PREFIX, httponly=True, samesite="strict"
        )
    return response


T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a use case gave the console: its result, or the messages of its refusal."""

    value: T | None = None
    errors: FormErrors | None = None


async def attempt(call: Awaitable[T], fields: Mapping[str, str] | None = None) -> Outcome[T]:
    """Await a use case; a DomainError becomes FormErrors (field names mapped to the form's)."""
    try:
        return Outcome(value=await call)
    except DomainError as error:
        return Outcome(errors=from_domain_error(error, fields))


def invalid(error: ValidationError, fields: Mapping[str, str] | None = None) -> FormErrors:
    return from_validation_error(error, fields)
