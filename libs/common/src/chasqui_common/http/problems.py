"""RFC 9457 problem details: every HTTP error names what was wrong, with field, value and expectation."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from chasqui_common.errors import Conflict, DomainError, NotFound, NotPermitted

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://chasqui.pe/problems/"


class FieldError(BaseModel):
    field: str
    value: Any = None
    expected: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = Problem(
        type=PROBLEM_BASE + kind if kind != "about:blank" else kind,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    ).model_dump(mode="json", exclude_none=True)
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        value = error.get("input") if error.get("type") != "missing" else None
        errors.append(
            FieldError(field=".".join(location) or "(body)", value=_jsonable(value), expected=error["msg"])
        )
    return errors


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


# The one mapping from the error model to HTTP: the nearest class in this table gives the status.
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),  # InvalidTransition and service conflicts too
    (NotPermitted, 403),
    (DomainError, 422),  # InvalidValue, rule violations
)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error (422 unless a more specific class says otherwise)."""
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 422


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    """RFC 9457 document of a domain error: type from its code, every violation in `errors`,
    and the error's extension members (e.g. `existing_id`)."""
    errors = [
        FieldError(field=v.field, value=_jsonable(v.value), expected=v.expected) for v in exc.violations
    ]
    return problem_response(
        request,
        status_of(exc),
        exc.code,
        exc.title,
        exc.detail,
        errors=errors or None,
        extra=exc.extensions(),
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            request,
            exc.status,
            exc.kind,
            exc.title,
            exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors(exc)
        return problem_response(
            request,
            422,
            "validation",
            "Request is not valid",
            "; ".join(f"{e.field}: {e.expected}" for e in errors),
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(
            request,
            exc.status_code,
            "about:blank",
            _TITLES.get(exc.status_code, "HTTP error"),
            str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers or {}),
        )

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return domain_problem(request, exc)

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Request is not valid",
    503: "Service unavailable",
}
