"""The DCI gateway on a fresh schema of the real Postgres and the real Kafka broker, a DCI sender
that signs its messages, a callback receiver, and validation against the vendored spdci OpenAPI."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest_asyncio
import yaml
from aiokafka import AIOKafkaProducer
from chasqui_common.envelope import Envelope
from chasqui_common.events.registry import Household, HouseholdRegistered
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import REGISTRY_HOUSEHOLDS
from chasqui_dci_gateway.domain.signatures import canonical_content, public_jwk, sign
from chasqui_dci_gateway.main import build_definition
from chasqui_dci_gateway.settings import DciSettings
from chasqui_testing import RunningService, running_service, serve_app
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SPEC_PATH = Path(__file__).parents[2] / "spec" / "social_api_v1.0.0.yaml"
SPEC_URI = "urn:spdci:social_api:1.0.0"
GATEWAY_ID = "registry.chasqui.gob.pe"
REGISTRY = Outbox("/chasqui/registry")
ALL_FIELDS = [
    "identifier", "name", "birth_date", "sex", "relationship", "address", "phone_number", "email",
    "household_identifier", "household_status", "cse", "disability", "pregnant", "pension",
]  # fmt: skip


# -- the vendored standard ------------------------------------------------------------------------


BROKEN_REF_PREFIX = (
    "#/paths/~1registry~1search/post/requestBody/content/application~1json/schema/properties/message/oneOf/0/"
)
"""The standard's predicate schema points into its request body through a `$ref` node (`oneOf/0` is
a `$ref` to SearchRequest), which no JSON pointer can pass; the same schema is
`#/components/schemas/SearchRequest/...` (docs/dci.md#spec-defects)."""


@functools.cache
def spec_registry() -> Registry[Any]:
    text = SPEC_PATH.read_text(encoding="utf-8").replace(
        BROKEN_REF_PREFIX, "#/components/schemas/SearchRequest/"
    )
    document = yaml.safe_load(text)
    return Registry().with_resource(SPEC_URI, Resource.from_contents(document, default_specification=DRAFT4))


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def spec_errors(pointer: str, instance: Any) -> list[str]:
    """Errors of `instance` against the schema at `pointer` of the vendored social_api document
    (OpenAPI 3.0 schemas are JSON Schema draft 4 here: no nullable, readOnly or discriminator)."""
    validator = jsonschema.Draft4Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=spec_registry())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def request_schema(path: str) -> str:
    return "/" + _pointer("paths", path, "post", "requestBody", "content", "application/json", "schema")


def response_schema(path: str, status: int) -> str:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    responses = document["paths"][path]["post"]["responses"]
    key = str(status) if str(status) in responses else "default"
    entry = responses[key]
    if "$ref" in entry:  # '#/components/responses/X'
        return entry["$ref"][1:] + "/content/application~1json/schema"
    return "/" + _pointer("paths", path, "post", "responses", key, "content", "application/json", "schema")


QUERY_ONE_OF = "search_criteria/properties/query/oneOf"


CLASSIFY = "ns:chasqui:RegistryEventType:CLASSIFY"


def standard_form(body: dict[str, Any]) -> dict[str, Any]:
    """The body with Chasqui's CLASSIFY event type (an extension: the standard's reg_event_type
    enum is REGISTER, PAYMENT, DEREGISTER) in the standard's form, to validate the rest of it."""
    copy: dict[str, Any] = json.loads(json.dumps(body))
    for item in copy.get("message", {}).get("subscribe_request", []):
        if item.get("subscribe_criteria", {}).get("reg_event_type") == CLASSIFY:
            item["subscribe_criteria"]["reg_event_type"] = "REGISTER"
    return copy


def assert_request_valid(path: str, body: dict[str, Any]) -> None:
    body = standard_form(body)
    errors = spec_errors(request_schema(path), body)
    expression_queries = [
        i for i, r in enumerate(body["message"].get("search_request", []))
        if r["search_criteria"].get("query_type") == "expression"
    ]  # fmt: skip
    if expression_queries and errors:
        # The standard's query `oneOf` cannot hold for an expression query: its value object also
        # matches the idtype-value branch (value: oneOf [..., object]). Check it against the
        # expression branch alone instead (docs/dci.md#spec-defects).
        branch = "/components/schemas/SearchRequest/properties/search_request/items/properties/search_criteria/properties/query/oneOf/0"
        for i in expression_queries:
            assert not spec_errors(branch, body["message"]["search_request"][i]["search_criteria"]["query"])
        errors = [
            e for e in errors if "is valid under each of" not in e and "is not valid under any" not in e
        ]
    assert not errors, errors


NOT_IN_STANDARD = {
    422: "a malformed body or a string breaking the text rule: Chasqui's RFC 9457 problem",
    429: "a sender over its requests per minute: the standard names no rate limit",
}
"""Statuses the standard does not document (it has 401, 403, 500 and an acknowledgement); their
bodies are checked as the problem documents they are instead (docs/dci.md#errors)."""


def assert_response_valid(path: str, response: httpx.Response) -> None:
    """The response is what the standard documents for its status, or, for a status it does not
    document, a problem document with the standard's `errors` form."""
    if response.status_code in NOT_IN_STANDARD:
        problem = response.json()
        assert problem["status"] == response.status_code, problem
        assert problem["type"].startswith("https://"), problem
        assert not spec_errors(
            "/components/responses/HttpErrorResponse/content/application~1json/schema", problem
        )
        return
    errors = spec_errors(response_schema(path, response.status_code), response.json())
    assert not errors, errors


CALLBACK_PATHS = {
    "on-search": "/registry/on-search",
    "on-subscribe": "/registry/on-subscribe",
    "on-unsubscribe": "/registry/on-unsubscribe",
    "notify": "/registry/notify",
    "txn-on-status": "/registry/txn/on-status",
}


def callback_errors(body: dict[str, Any]) -> list[str]:
    """Errors of a callback the gateway sent against the standard's request body of its action."""
    action = body.get("header", {}).get("action")
    if action not in CALLBACK_PATHS:
        return [f"header.action {action!r} is not a callback of the standard"]
    return spec_errors(request_schema(CALLBACK_PATHS[action]), body)


# -- a DCI sender ---------------------------------------------------------------------------------


@dataclass
class DciSender:
    sender_id: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    key_id: str = "k1"

    def jwk(self) -> dict[str, str]:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return public_jwk(raw, self.key_id)

    def envelope(
        self,
        action: str,
        message: dict[str, Any],
        *,
        message_id: str | None = None,
        total_count: int | None = None,
        sender_uri: str | None = None,
        signer: Ed25519PrivateKey | None = None,
    ) -> dict[str, Any]:
        header: dict[str, Any] = {
            "version": "1.0.0",
            "message_id": message_id or str(uuid.uuid4()),
            "message_ts": datetime.now(UTC).isoformat(),
            "action": action,
            "sender_id": self.sender_id,
            "receiver_id": GATEWAY_ID,
            "total_count": total_count
            if total_count is not None
            else len(message.get("search_request", [1])),
            "is_msg_encrypted": False,
        }
        if sender_uri:
            header["sender_uri"] = sender_uri
        signature = sign(
            canonical_content(header, message),
            signer or self.key,
            signer_id=self.sender_id,
            key_id=self.key_id,
            now=int(time.time()),
        )
        return {"signature": signature, "header": header, "message": message}


def search_message(*criteria: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "transaction_id": uuid.uuid4().hex[:20],
        "search_request": [
            {"reference_id": f"ref-{i}", "timestamp": now, "search_criteria": c}
            for i, c in enumerate(criteria)
        ],
    }


# -- a callback receiver --------------------------------------------------------------------------


@dataclass
class Receiver:
    base_url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False
    refused: int = 0
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    """Callbacks that broke the standard (action, errors): every one received is validated."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The bodies received, once `count` arrived or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count and (left := deadline - time.monotonic()) > 0:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)
        return self.bodies


@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def accept(request: Request) -> JSONResponse:
        state.arrived.set()
        if state.down:
            state.refused += 1
            return JSONResponse({"errors": [{"code": "err.service.unavailable"}]}, status_code=503)
        body = await request.json()
        errors = callback_errors(body)
        if errors:
            state.invalid.append((str(body.get("header", {}).get("action")), errors))
        state.bodies.append(body)
        return JSONResponse(
            {"message": {"ack_status": "ACK", "timestamp": datetime.now(UTC).isoformat(),
                         "correlation_id": body["header"]["message_id"]}}
        )  # fmt: skip

    app = Starlette(routes=[Route("/dci/{action:path}", accept, methods=["POST"])])
    async with serve_app(app) as base_url:
        state.base_url = base_url
        yield state
    assert not state.invalid, f"callbacks not valid against the standard: {state.invalid}"


# -- the gateway ----------------------------------------------------------------------------------


@dataclass
class Gateway:
    service: RunningService
    sender: DciSender
    receiver: Receiver

    def client(self) -> httpx.AsyncClient:
        return self.service.client("dci:search")

    async def post(self, path: str, body: dict[str, Any], *, valid_request: bool = True) -> httpx.Response:
        """POST a DCI message: the request is checked against the standard unless it is meant to
        break it (`valid_request=False`); the response always is."""
        if valid_request:
            assert_request_valid(path, body)
        async with self.client() as client:
            response = await client.post(path, json=body)
        assert_response_valid(path, response)
        return response

    async def search(
        self, *criteria: dict[str, Any], path: str = "/registry/sync/search", valid_request: bool = True
    ) -> httpx.Response:
        """POST a signed search; the request is checked against the standard unless it is meant to
        break it (`valid_request=False`); the response always is."""
        return await self.post(
            path, self.sender.envelope("search", search_message(*criteria)), valid_request=valid_request
        )

    async def wait_projected(self, household_ids: set[str], timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        pool = self.service.runtime.pool
        while time.monotonic() < deadline:
            found = await pool.fetchval(
                "SELECT count(*) FROM households WHERE household_id = ANY($1)", list(household_ids)
            )
            if found == len(household_ids):
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"households {household_ids} not projected in {timeout}s")


async def publish(bootstrap: str, *envelopes: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(
                REGISTRY_HOUSEHOLDS.name,
                env.body(),
                key=env.subject.encode() if env.subject else None,
                headers=[(k, v.encode()) for k, v in env.headers().items()],
            )
    finally:
        await producer.stop()


def registered(household: Household) -> Envelope:
    return REGISTRY.envelope(HouseholdRegistered(household_id=household.household_id, household=household))


RegisterSender = Callable[..., Awaitable[httpx.Response]]


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path, receiver: Receiver
) -> AsyncIterator[Gateway]:
    async with running_service(
        build_definition(),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        settings_class=DciSettings,
        dci_gateway_id=GATEWAY_ID,
        dci_signing_key_file=tmp_path / "dci" / "gateway.pem",
        callback_poll_interval=0.2,
        callback_retry_base_seconds=0.2,  # retries within seconds, so an outage of a few seconds
        callback_retry_max_seconds=1.0,  # spans many of them
    ) as svc:
        sender = DciSender(f"juntos-{uuid.uuid4().hex[:6]}.gob.pe")
        gw = Gateway(svc, sender, receiver)
        response = await register_sender(gw, sender, ALL_FIELDS)
        assert response.status_code == 200, response.text
        yield gw


async def register_sender(
    gw: Gateway,
    sender: DciSender,
    fields: list[str],
    *,
    max_page_size: int = 50,
    requests_per_minute: int = 600,
) -> httpx.Response:
    async with gw.service.client("dci:admin") as admin:
        return await admin.put(
            f"/v1/dci/senders/{sender.sender_id}",
            json={
                "name": "Programa JUNTOS",
                "token_subject": "test-client",
                "jwks": {"keys": [sender.jwk()]},
                "callback_uris": [f"{gw.receiver.base_url}/dci/on-search", f"{gw.receiver.base_url}/dci/txn"],
                "entitled_fields": fields,
                "max_page_size": max_page_size,
                "requests_per_minute": requests_per_minute,
            },
        )
