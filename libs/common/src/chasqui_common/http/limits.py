"""Request body limits, enforced before anything parses the body.

`BodyLimit` (installed by `bootstrap.create_app`) answers 413 problem details:

- at once, without reading a byte, when `Content-Length` is over the endpoint's limit;
- as soon as a streamed (chunked) body passes the limit, counting the bytes as they arrive.

The limit of an endpoint is, in this order:

1. the route's own `max_body_size` (FastAPI's route parameter, e.g.
   `@router.post("/imports", max_body_size=200 * 1024 * 1024)`), which may be larger or smaller
   than the default;
2. none for a route that takes files (`UploadFile`/`File(...)` parameters: multipart uploads are
   not JSON; such a route should declare its own `max_body_size`, see 1);
3. the service default, `HTTP_MAX_BODY_BYTES` (1 MiB).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chasqui_common.http.problems import BodyTooLarge, body_too_large

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: the documented limit of a JSON request body (HTTP_MAX_BODY_BYTES)."""


class BodyLimit:
    """ASGI middleware: 413 problem details for request bodies over the endpoint's limit."""

    def __init__(
        self, app: ASGIApp, *, routes: list[BaseRoute], max_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be 0 or more")
        self.app = app
        self.routes = routes
        self.max_bytes = max_bytes
        self._by_route: dict[int, int | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Nothing is read: the server discards the body and keeps the connection.
            await body_too_large(Request(scope), limit, declared)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Normally the route's exception handler renders it; this is for a body read elsewhere.
            if started:
                raise
            await body_too_large(Request(scope), limit)(scope, receive, send)

    def limit_for(self, scope: Scope) -> int | None:
        """The body limit of the route this request goes to (None: no limit here)."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                key = id(route)
                if key not in self._by_route:
                    self._by_route[key] = self._route_limit(route)
                return self._by_route[key]
        return self.max_bytes

    def _route_limit(self, route: BaseRoute) -> int | None:
        declared: Any = getattr(route, "max_body_size", None)
        if isinstance(declared, int) and not isinstance(declared, bool):
            return declared
        if isinstance(route, APIRoute) and takes_files(route.dependant):
            return None
        return self.max_bytes


def takes_files(dependant: Dependant) -> bool:
    """Whether an endpoint (or one of its dependencies) has an `UploadFile`/`File(...)` parameter."""
    if any(isinstance(param.field_info, params.File) for param in dependant.body_params):
        return True
    return any(takes_files(sub) for sub in dependant.dependencies)


def install_body_limit(app: FastAPI, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Limit request bodies of every route of `app` (routes may be added later)."""
    app.add_middleware(BodyLimit, routes=app.router.routes, max_bytes=max_bytes)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None  # the server refuses a malformed length itself
    return int(value)
