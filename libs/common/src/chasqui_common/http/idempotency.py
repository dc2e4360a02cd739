"""Idempotency-Key on creating POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

A route opts in with one line: its `run: UseCases` parameter becomes `run: IdempotentUseCases`.
`install_idempotency` (called by `bootstrap.create_app`) then wraps that route so that a request
carrying `Idempotency-Key: <key>`:

- runs in ONE transaction: the route's use cases (`run.command(...)`, `run.query(...)`) share the
  unit of work opened for the request, and the answer (status, headers such as `Location`, body)
  is stored in `idempotency_keys` in that same transaction. The effect and the stored answer
  commit together, or neither does;
- with the same key and the same request (method, path, query and body; JSON bodies compared by
  content, multipart bodies without their random boundary) gets the first answer again, with
  `Idempotent-Replayed: true`, and nothing runs;
- with the same key and another request gets 422 `idempotency-key-reused`;
- while a request with the same key is still running gets 409 `idempotency-key-in-use`
  (with `Retry-After`);
- with a key that is not 1 to 255 printable ASCII characters gets 400 `idempotency-key-invalid`.

Keys are scoped per client (the token's subject) and route (method and path template), and kept
`IDEMPOTENCY_TTL_HOURS` (24 h by default); `purge_idempotency_keys` deletes expired ones. Only
successful (2xx) answers are stored: an error rolls the transaction back, so nothing happened and
the same key may be retried. A request without the header behaves as before. A request whose
token is missing, invalid or lacks the route's scopes goes to the route untouched (which answers
401/403): an answer is replayed only to the client it was given to.

Work the route leaves running after it answers (e.g. an import started in the background) opens
its own transactions, and only once the request's transaction has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chasqui_common.application.unit_of_work import Reader, Transactions, UnitOfWork
from chasqui_common.auth.jwt import AuthError, Principal, TokenVerifier, required_scopes
from chasqui_common.http.problems import ProblemError

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
"""1 to 255 printable ASCII characters (a UUID is the usual choice)."""
DEFAULT_TTL = timedelta(hours=24)
_SCOPE_KEY = "chasqui.idempotency"
_NOT_STORED = frozenset({b"date", b"server"})


def parse_key(raw: str) -> str | None:
    """The key of an `Idempotency-Key` header value, or None if it is not a valid key.

    The draft defines the value as a Structured Field string (`"abc"`); the bare token form most
    clients send (`abc`) is accepted too."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value if KEY_PATTERN.fullmatch(value) else None


class RequestTransactions(Transactions):
    """`Transactions` bound to the unit of work of one request with an Idempotency-Key.

    In the request's own task, while the request runs, every command and query uses that unit of
    work (so they commit with the stored answer). Elsewhere, e.g. a background task the route
    started, transactions are the service's usual ones, opened once the request's has ended.
    """

    def __init__(self, base: Transactions, uow: UnitOfWork) -> None:
        super().__init__(base.pool, base.outbox, base.clock)
        self._uow = uow
        self._owner = asyncio.current_task()
        self._ended = asyncio.Event()

    def end(self) -> None:
        self._ended.set()

    def _shared(self) -> bool:
        return not self._ended.is_set() and asyncio.current_task() is self._owner

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[UnitOfWork]:
        if self._shared():
            yield self._uow
            return
        await self._ended.wait()
        async with super().begin() as uow:
            yield uow

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        if self._shared():
            yield Reader(self._uow.conn, self.clock)
            return
        await self._ended.wait()
        async with super().reading() as reader:
            yield reader


async def idempotent_transactions(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Optional. Retrying with the same key and the same request returns the first "
            "answer instead of acting twice (kept 24 h); the same key with another request is 422, "
            "and 409 while the first is still running. 1 to 255 printable ASCII characters, e.g. a "
            "UUID, unique per request you mean to make once.",
            max_length=257,
        ),
    ] = None,
) -> Transactions:
    """FastAPI dependency (`run: IdempotentUseCases`): the request's transactions when it carries
    an Idempotency-Key, else the service's usual ones."""
    transactions: Transactions = request.app.state.runtime.transactions
    slot: _Slot | None = request.scope.get(_SCOPE_KEY)
    if slot is None or idempotency_key is None:
        return transactions
    return await slot.open(request, transactions)


IdempotentUseCases = Annotated[Transactions, Depends(idempotent_transactions)]
"""`run: IdempotentUseCases` instead of `run: UseCases`: the route accepts an Idempotency-Key."""


class _Fingerprint:
    """SHA-256 of what makes two requests "the same": method, path, query and body.

    JSON bodies are compared by content (key order and spacing do not matter); a multipart body
    without its boundary (random per upload); any other body byte for byte."""

    def __init__(self, scope: Scope) -> None:
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").lower()
        self._json = "json" in content_type
        self._boundary = b""
        if content_type.startswith("multipart/"):
            match = re.search(r'boundary="?([^";]+)"?', headers.get("content-type", ""))
            self._boundary = match.group(1).encode("latin-1") if match else b""
        self._hash = hashlib.sha256()
        query = scope.get("query_string", b"")
        self._hash.update(f"{scope['method']} {scope['path']}?".encode("utf-8", "surrogateescape"))
        self._hash.update(query + b"\n")
        self._buffer = bytearray()
        self.complete = False

    def feed(self, chunk: bytes) -> None:
        if self._json:
            self._buffer += chunk
        elif self._boundary:
            data = (bytes(self._buffer) + chunk).replace(self._boundary, b"")
            keep = len(self._boundary) - 1
            self._hash.update(data[: len(data) - keep] if keep else data)
            self._buffer = bytearray(data[len(data) - keep :] if keep else b"")
        else:
            self._hash.update(chunk)

    def digest(self) -> str:
        if self._json:
            try:
                canonical = json.dumps(
                    json.loads(bytes(self._buffer)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode("utf-8", "surrogatepass")
            except ValueError:
                canonical = bytes(self._buffer)
            self._hash.update(canonical)
        elif self._boundary:
            self._hash.update(bytes(self._buffer))
        self._buffer = bytearray()
        return self._hash.hexdigest()


class _Captured:
    """The answer of the route, held back until the transaction has ended."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.messages: list[Message] = []

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


class IdempotentReplay(Exception):
    """Raised by the dependency to answer with the stored response (`install_idempotency`)."""

    def __init__(self, status: int, headers_json: str, body: bytes) -> None:
        super().__init__("idempotent replay")
        self.status = status
        self.headers_json = headers_json
        self.body = body


class _Slot:
    """One request carrying an Idempotency-Key: its fingerprint, held-back answer and transaction."""

    def __init__(self, scope: Scope, receive: Receive, raw_key: str) -> None:
        self.raw_key = raw_key
        self.fingerprint = _Fingerprint(scope)
        self.captured = _Captured()
        self._receive = receive
        self.body_done = False
        self.active = False
        self.conn: Any = None
        self.transaction: Any = None
        self.bound: RequestTransactions | None = None
        self.release: Callable[[], Awaitable[None]] | None = None
        self.client = ""
        self.route = ""
        self.key = ""
        self.ttl = DEFAULT_TTL

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.fingerprint.feed(message.get("body", b""))
            self.body_done = not message.get("more_body", False)
        elif message["type"] == "http.disconnect":
            self.body_done = True
        return message

    async def digest(self) -> str:
        while not self.body_done:
            await self.receive()
        return self.fingerprint.digest()

    async def open(self, request: Request, base: Transactions) -> Transactions:
        key = parse_key(self.raw_key)
        if key is None:
            raise ProblemError(
                400,
                "idempotency-key-invalid",
                "Invalid Idempotency-Key",
                f"{HEADER} must be 1 to 255 printable ASCII characters (e.g. a UUID)",
            )
        route = request.scope.get("route")
        client = await _client(
            request, _scopes(route.dependant) if isinstance(route, APIRoute) else frozenset()
        )
        if client is None:  # the route refuses the request itself (401/403): nothing to remember
            return base
        self.client, self.key = client, key
        self.route = f"{request.method} {getattr(route, 'path', request.url.path)}"
        self.ttl = timedelta(hours=request.app.state.runtime.settings.idempotency_ttl_hours)
        pool = base.pool
        conn = await pool.acquire()

        async def release() -> None:
            await pool.release(conn)

        self.conn, self.release = conn, release
        self.transaction = conn.transaction()
        await self.transaction.start()
        locked = await conn.fetchval(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))",
            f"idempotency\x1f{client}\x1f{self.route}\x1f{key}",
        )
        if not locked:
            raise ProblemError(
                409,
                "idempotency-key-in-use",
                "Idempotency-Key in use",
                f"a request with this {HEADER} is still being processed; retry once it has finished "
                "to get its answer",
                headers={"Retry-After": "1"},
            )
        stored = await conn.fetchrow(
            "SELECT fingerprint, status, headers::text AS headers, body FROM idempotency_keys "
            "WHERE client = $1 AND route = $2 AND key = $3 AND expires_at > $4",
            client,
            self.route,
            key,
            base.clock.now(),
        )
        if stored is not None:
            if await self.digest() != stored["fingerprint"]:
                raise ProblemError(
                    422,
                    "idempotency-key-reused",
                    "Idempotency-Key reused",
                    f"this {HEADER} was already used for another request (method, path or body "
                    "differ); use a new key for a new request",
                )
            raise IdempotentReplay(stored["status"], stored["headers"], bytes(stored["body"]))
        self.bound = RequestTransactions(base, UnitOfWork(conn, base.outbox, base.clock))
        self.active = True
        return self.bound

    async def send(self, message: Message, send: Send) -> None:
        if self.active:
            await self.captured.send(message)
        else:
            await send(message)

    async def finish(self, failed: bool) -> None:
        """Store the answer and commit, or roll back; then give the connection back."""
        if self.conn is None:
            return
        try:
            if self.active and not failed and self.captured.succeeded:
                now = self.bound.clock.now() if self.bound is not None else None
                await self.conn.execute(
                    "DELETE FROM idempotency_keys WHERE client = $1 AND route = $2 AND key = $3",
                    self.client,
                    self.route,
                    self.key,
                )
                await self.conn.execute(
                    "INSERT INTO idempotency_keys (client, route, key, fingerprint, status, headers, "
                    "body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)",
                    self.client,
                    self.route,
                    self.key,
                    await self.digest(),
                    self.captured.status,
                    _headers_json(self.captured.headers),
                    bytes(self.captured.body),
                    now,
                    now + self.ttl if now is not None else None,
                )
                await self.transaction.commit()
            else:
                await self.transaction.rollback()
        except BaseException:
            if not self.transaction.is_completed():
                await self.transaction.rollback()
            raise
        finally:
            self.conn = None
            if self.bound is not None:
                self.bound.end()
            if self.release is not None:
                await self.release()


async def _client(request: Request, scopes: frozenset[str]) -> str | None:
    """The verified token subject, if the token also carries the route's scopes."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if verifier is None or scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        principal: Principal = await verifier.verify(token.strip())
    except AuthError:
        return None
    return principal.subject if scopes <= principal.scopes else None


class IdempotencyMiddleware:
    """ASGI middleware: holds back the answer of a request with an Idempotency-Key whose route
    took `run: IdempotentUseCases`, stores it in the route's transaction and commits (module
    docstring). Requests without the header, or to other routes, pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = Headers(scope=scope).get(HEADER) if scope["type"] == "http" else None
        if raw is None:
            await self.app(scope, receive, send)
            return
        slot = _Slot(scope, receive, raw)
        scope[_SCOPE_KEY] = slot

        async def slot_send(message: Message) -> None:
            await slot.send(message, send)

        try:
            await self.app(scope, slot.receive, slot_send)
        except BaseException:
            await slot.finish(failed=True)
            raise
        await slot.finish(failed=False)
        if slot.active:
            for message in slot.captured.messages:
                await send(message)


def _headers_json(headers: list[tuple[bytes, bytes]]) -> str:
    kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers if k.lower() not in _NOT_STORED]
    return json.dumps(kept)


async def _on_replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    response = Response(content=exc.body, status_code=exc.status)
    response.raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(exc.headers_json)
    ]
    response.raw_headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    return response


def _scopes(dependant: Dependant) -> frozenset[str]:
    found: set[str] = set()
    for sub in dependant.dependencies:
        scopes = required_scopes(sub.call) if sub.call is not None else None
        found.update(scopes or ())
        found.update(_scopes(sub))
    return frozenset(found)


def install_idempotency(app: FastAPI) -> None:
    """Idempotency-Key for the routes of `app` that take `run: IdempotentUseCases`.

    Install it before the problem handlers: its middleware must sit inside the one that turns
    unhandled errors into 500 documents, so that it rolls back on them."""
    app.add_middleware(IdempotencyMiddleware)
    app.add_exception_handler(IdempotentReplay, _on_replay)


async def purge_expired(transactions: Transactions, *, batch: int = 5000) -> int:
    """Delete expired keys (at most `batch` per transaction); returns how many went."""
    purged = 0
    while True:
        async with transactions.begin() as uow:
            status = await uow.conn.execute(
                "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys "
                "WHERE expires_at <= $1 LIMIT $2)",
                uow.clock.now(),
                batch,
            )
        count = int(status.split()[-1])
        purged += count
        if count < batch:
            return purged
