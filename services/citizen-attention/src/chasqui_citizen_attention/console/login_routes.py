"""/console/ingresar and /console/salir: a shift's token in an HttpOnly cookie; the stylesheet."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.auth import AuthError
from chasqui_common.bootstrap import UseCases
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, StringConstraints, ValidationError

from chasqui_citizen_attention.application import queries
from chasqui_citizen_attention.application.models import ListMunicipalitiesQuery
from chasqui_citizen_attention.console.messages import FormErrors
from chasqui_citizen_attention.console.pages import STATIC, invalid, render
from chasqui_citizen_attention.console.session import (
    COOKIE,
    DESK_COOKIE,
    PREFIX,
    ROLES,
    SHIFT_SECONDS,
    check_same_origin,
    desk_cookie,
    development_issuer,
    issue_shift_token,
    role_of,
    verify,
)

router = APIRouter()

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,39}$")]


class DevelopmentLogin(BaseModel):
    """The development issuer's login: a user name (lower case, as the municipality's accounts)."""

    usuario: Username


def _safe_next(target: str | None) -> str:
    """Only a console path may follow the login (never another site: an open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//"):
        return target
    return PREFIX + "/"


async def _login_page(
    request: Request,
    run: UseCases,
    *,
    next_url: str,
    reason: str | None,
    form: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    municipalities = await run.query(queries.list_municipalities, ListMunicipalitiesQuery())
    return render(
        request,
        "login.html",
        title="Ingresar a la consola",
        clerk=None,
        errors=errors,
        reason=reason,
        next_url=_safe_next(next_url),
        form=form,
        development=development_issuer(request) is not None,
        roles=[(role.office, role.label) for role in ROLES],
        municipalities=[(m.ubigeo, m.name) for m in municipalities],
    )


@router.get("/ingresar")
async def login_page(request: Request, run: UseCases, siguiente: str = "", motivo: str = "") -> Response:
    return await _login_page(request, run, next_url=siguiente, reason=motivo[:200] or None, form={})


@router.post("/ingresar")
async def login(
    request: Request,
    run: UseCases,
    municipalidad: Annotated[str, Form()] = "",
    oficina: Annotated[str, Form()] = "",
    usuario: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    siguiente: Annotated[str, Form()] = "",
) -> Response:
    check_same_origin(request)
    form = {"usuario": usuario, "oficina": oficina, "municipalidad": municipalidad}
    role = role_of(oficina)
    known = {m.ubigeo for m in await run.query(queries.list_municipalities, ListMunicipalitiesQuery())}
    problems = {}
    if municipalidad not in known:
        problems["municipalidad"] = "Elija la municipalidad en la que atiende."
    if role is None:
        problems["oficina"] = "Elija la oficina en la que atiende."
    if problems or role is None:
        errors = FormErrors("Revise los datos marcados.", problems)
        return await _login_page(request, run, next_url=siguiente, reason=None, form=form, errors=errors)
    directory = development_issuer(request)
    if directory is not None:
        try:
            login = DevelopmentLogin(usuario=usuario)
        except ValidationError as error:
            errors = invalid(error)
            errors = FormErrors(
                errors.summary,
                {
                    "usuario": "Escriba su usuario: de 2 a 40 letras minúsculas, dígitos, punto, guion o guion bajo."
                },
            )
            return await _login_page(request, run, next_url=siguiente, reason=None, form=form, errors=errors)
        issued = issue_shift_token(request, directory, login.usuario, role)
    else:
        issued = token.strip()
        try:
            await verify(request, issued)
        except AuthError as error:
            detail = error.detail or error.title
            errors = FormErrors(
                "No se pudo iniciar la sesión.", {"token": f"El token no es válido ({detail})."}
            )
            return await _login_page(request, run, next_url=siguiente, reason=None, form=form, errors=errors)
    response = RedirectResponse(_safe_next(siguiente), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE, issued, max_age=SHIFT_SECONDS, path=PREFIX, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(
        DESK_COOKIE,
        desk_cookie(municipalidad, role.office),
        max_age=SHIFT_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


@router.post("/salir")
async def logout(request: Request) -> Response:
    check_same_origin(request)
    response = RedirectResponse(f"{PREFIX}/ingresar?motivo=Sesi%C3%B3n%20cerrada.", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    response.delete_cookie(DESK_COOKIE, path=PREFIX)
    return response


@router.get("/static/console.css")
async def stylesheet() -> FileResponse:
    return FileResponse(
        STATIC / "console.css", media_type="text/css", headers={"Cache-Control": "max-age=3600"}
    )
