"""RFC 9457 problem details: every HTTP error names what was wrong, with field, value and expectation.

Every document echoes input only through `chasqui_common.redaction` (values cut at about 100
characters, document numbers, phones and e-mails masked), lists at most `MAX_ERRORS` field errors,
and every error nobody handled becomes a 500 document with an error id (`UnhandledErrors`).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chasqui_common.errors import Conflict, DomainError, NotFound, NotPermitted, RateLimited
from chasqui_common.redaction import echo, real_cause, redact_text

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://chasqui.pe/problems/"
MAX_ERRORS = 50
"""Field errors listed in one document; `more_errors` counts the rest."""


class ProblemJSONResponse(JSONResponse):
    """A JSON response that cannot fail to render: lone surrogates are escaped, NaN is text."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=True, separators=(",", ":"), default=str
        ).encode("utf-8", errors="backslashreplace")


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
    """The problem document; `detail` and `instance` are redacted, `errors` capped at MAX_ERRORS.

    Field errors must already be redacted (`field_errors`, `domain_problem` do it)."""
    more = max(0, len(errors) - MAX_ERRORS) if errors else 0
    body: dict[str, Any] = Problem(
        type=PROBLEM_BASE + kind if kind != "about:blank" else kind,
        title=title,
        status=status,
        detail=redact_text(detail) if detail is not None else None,
        instance=redact_text(request.url.path, 200),
        errors=errors[:MAX_ERRORS] if errors else errors,
    ).model_dump(mode="json", exclude_none=True)
    if more:
        body["more_errors"] = more
    body.update(extra or {})
    return ProblemJSONResponse(body, status_code=status, headers=headers)


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    """One entry per failing field: its path, the value it had (cut, masked) and the expectation."""
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        field = redact_text(".".join(location), 200) or "(body)"
        value = error.get("input") if error.get("type") != "missing" else None
        errors.append(
            FieldError(field=field, value=_jsonable(value, field), expected=redact_text(str(error["msg"])))
        )
    return errors


def _jsonable(value: Any, field: str | None = None) -> Any:
    """The value an error may echo: cut at about 100 characters, personal values masked."""
    return echo(value, field)


# The one mapping from the error model to HTTP: the nearest class in this table gives the status.
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),  # InvalidTransition and service conflicts too
    (NotPermitted, 403),
    (RateLimited, 429),  # with Retry-After (RFC 9110 §10.2.3), see domain_problem
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
    and the error's extension members (e.g. `existing_id`); a RateLimited one carries Retry-After."""
    errors = [
        FieldError(field=v.field, value=_jsonable(v.value, v.field), expected=redact_text(v.expected))
        for v in exc.violations
    ]
    return problem_response(
        request,
        status_of(exc),
        exc.code,
        exc.title,
        exc.detail,
        errors=errors or None,
        headers={"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, RateLimited) else None,
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
        if exc.status_code == 413:
            # ours (BodyTooLarge) or Starlette's for a route's own `max_body_size`
            limit = getattr(exc, "max_bytes", None) or request.scope.get("starlette.max_body_size")
            return body_too_large(request, limit, getattr(exc, "size", None))
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
    app.add_middleware(UnhandledErrors)


class BodyTooLarge(StarletteHTTPException):
    """The request body is larger than the endpoint accepts (raised while it streams in)."""

    def __init__(self, max_bytes: int, size: int | None = None) -> None:
        super().__init__(413, "Content Too Large")
        self.max_bytes = max_bytes
        self.size = size


def body_too_large(request: Request, max_bytes: int | None, size: int | None = None) -> JSONResponse:
    """413 document: how large the body was (when the request said so) and what is accepted."""
    if max_bytes is None:
        detail = "The request body is larger than this endpoint accepts."
    elif size is None:
        detail = f"The request body is larger than the {_size(max_bytes)} this endpoint accepts."
    else:
        detail = f"The request body has {_size(size)}; this endpoint accepts at most {_size(max_bytes)}."
    return problem_response(
        request,
        413,
        "body-too-large",
        "Request body is too large",
        detail,
        extra={"max_bytes": max_bytes} if max_bytes is not None else None,
    )


def _size(count: int) -> str:
    """A byte count for a sentence (the exact limit is the document's `max_bytes` member)."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


class UnhandledErrors:
    """ASGI middleware: an exception no handler took becomes a problem+json 500 with an error id.

    The id is in the body (`error_id`), the `X-Error-Id` header and the log line, which carries
    the traceback; the traceback is never sent. The exception is not re-raised, so the server
    keeps the connection open for the client's next request. A `DomainError` hidden behind a
    `FrozenInstanceError` (a frozen-dataclass exception somewhere) still gets its own document.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request = Request(scope)
            cause = real_cause(exc)
            if isinstance(cause, DomainError) and not started:
                await domain_problem(request, cause)(scope, receive, send)
                return
            error_id = str(uuid.uuid4())
            log.error(
                "unhandled error %s on %s %s: %s",
                error_id,
                scope.get("method", "?"),
                redact_text(request.url.path, 200),
                type(cause).__name__,
                exc_info=cause,
                extra={"error_id": error_id},
            )
            span = trace.get_current_span()
            span.record_exception(cause)
            span.set_status(Status(StatusCode.ERROR, type(cause).__name__))
            if started:  # the response is half sent: nothing sensible can follow it
                raise
            response = problem_response(
                request,
                500,
                "internal-error",
                "Internal server error",
                f"An unexpected error occurred. Quote error id {error_id} when reporting it.",
                headers={"X-Error-Id": error_id},
                extra={"error_id": error_id},
            )
            await response(scope, receive, send)


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
    429: "Too many requests",
    503: "Service unavailable",
}
