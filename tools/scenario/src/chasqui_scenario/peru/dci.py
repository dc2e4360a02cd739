"""A social programme (JUNTOS, simulated) speaking DCI to the gateway during the scenario.

It registers itself as a DCI sender (its Ed25519 key, a callback URI on a receiver this module
runs on the loopback interface, the fields it is entitled to), subscribes to registrations and
classifications before the ULE import, searches the registry once it has settled (by DNI, by
predicate, and asynchronously with an `on-search` callback), waits for the `notify` callbacks of
the households this run registered, acknowledges each (deduplicating by message_id), checks the
gateway's signature on every callback, and unsubscribes at the end.

It implements the standard's signature itself (it is another party, not the gateway's code):
`{header}+{message}` as canonical JSON, BLAKE2b-512 digest, Ed25519 over the G2P Connect signing
string (docs/dci.md#signatures).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .clients import ServiceClient
from .ule_import import RegisteredHousehold

SENDER_ID = "juntos.scenario.chasqui.pe"  # re-registered each run with this run's callback URI
GATEWAY_ID = "registry.chasqui.gob.pe"
ENTITLED = ["identifier", "name", "birth_date", "sex", "household_identifier", "household_status", "cse"]
CLASSIFY = "ns:chasqui:RegistryEventType:CLASSIFY"
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def canonical(header: Any, message: Any) -> bytes:
    content = {"header": header} if message is None else {"header": header, "message": message}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signing_string(created: int, expires: int, content: bytes) -> bytes:
    digest = base64.b64encode(hashlib.blake2b(content, digest_size=64).digest()).decode()
    return f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}".encode()


@dataclass
class Receiver:
    """The programme's callback endpoint: every DCI callback, acknowledged once per message_id."""

    base_url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    message_ids: set[str] = field(default_factory=set)
    duplicates: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def accept(self, request: Request) -> JSONResponse:
        body = await request.json()
        message_id = str(body.get("header", {}).get("message_id"))
        if message_id in self.message_ids:
            self.duplicates += 1  # at-least-once delivery: acknowledged again, applied once
        else:
            self.message_ids.add(message_id)
            self.received.append(body)
        self.arrived.set()
        return JSONResponse(
            {
                "message": {
                    "ack_status": "ACK",
                    "timestamp": datetime.now(UTC).isoformat(),
                    "correlation_id": message_id,
                }
            }
        )

    def of(self, action: str) -> list[dict[str, Any]]:
        return [b for b in self.received if b.get("header", {}).get("action") == action]

    async def wait(self, done: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), min(left, 1.0))
        return True


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """The receiver served by uvicorn on a free loopback port for as long as the block runs."""
    receiver = Receiver()
    app = Starlette(routes=[Route("/dci/{action:path}", receiver.accept, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        receiver.base_url = f"http://127.0.0.1:{port}"
        yield receiver
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        sock.close()


@dataclass
class Programme:
    """The simulated programme: its key, its DCI calls and what they gave."""

    gateway: ServiceClient
    receiver: Receiver
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    key_id: str = field(default_factory=lambda: "k" + uuid.uuid4().hex[:8])
    gateway_keys: dict[str, bytes] = field(default_factory=dict)
    subscription_codes: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def callback_uri(self) -> str:
        return f"{self.receiver.base_url}/dci/callback"

    def _count(self, key: str, by: int = 1) -> None:
        self.figures[key] = self.figures.get(key, 0) + by

    def envelope(self, action: str, message: dict[str, Any], count: int) -> dict[str, Any]:
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": datetime.now(UTC).isoformat(),
            "action": action,
            "sender_id": SENDER_ID,
            "sender_uri": self.callback_uri,
            "receiver_id": GATEWAY_ID,
            "total_count": count,
            "is_msg_encrypted": False,
        }
        created = int(time.time())
        expires = created + 600
        signature = self.key.sign(_signing_string(created, expires, canonical(header, message)))
        value = (
            f'Signature: namespace="dci", kidId="{SENDER_ID}|{self.key_id}|ed25519", algorithm="ed25519", '
            f'created="{created}", expires="{expires}", headers="(created) (expires) digest", '
            f'signature="{base64.b64encode(signature).decode()}"'
        )
        return {"signature": value, "header": header, "message": message}

    async def register(self) -> None:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        await self.gateway.put(
            f"/v1/dci/senders/{SENDER_ID}",
            json={
                "name": "Programa JUNTOS (escenario)",
                "jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": self.key_id}]},
                "callback_uris": [self.callback_uri],
                "entitled_fields": ENTITLED,
                "max_page_size": 200,
                "requests_per_minute": 6000,
            },
        )
        jwks = await self.gateway.get("/.well-known/jwks.json")
        for jwk in jwks["keys"]:
            x = jwk["x"] + "=" * (-len(jwk["x"]) % 4)
            self.gateway_keys[jwk["kid"]] = base64.urlsafe_b64decode(x)

    def verified(self, body: dict[str, Any]) -> bool:
        """Whether a callback carries a valid signature of the gateway over what it says."""
        params = dict(_PARAM.findall(str(body.get("signature", ""))))
        parts = params.get("kidId", "").split("|")
        key = self.gateway_keys.get(parts[1]) if len(parts) == 3 else None
        if key is None or parts[0] != GATEWAY_ID:
            return False
        try:
            created, expires = int(params["created"]), int(params["expires"])
            Ed25519PublicKey.from_public_bytes(key).verify(
                base64.b64decode(params["signature"]),
                _signing_string(created, expires, canonical(body.get("header"), body.get("message"))),
            )
        except (KeyError, ValueError, InvalidSignature):
            return False
        return True

    async def subscribe(self) -> None:
        """Registrations and classifications of active households (the run's, as they happen)."""
        now = datetime.now(UTC).isoformat()
        active = [{"seq_num": 1, "expression1": {"attribute_name": "household_status", "operator": "eq",
                                                 "attribute_value": "active"}}]  # fmt: skip
        requests = [
            {
                "reference_id": f"sub-{event}",
                "timestamp": now,
                "subscribe_criteria": {
                    "version": "1.0.0",
                    "reg_type": "ns:chasqui:RegistryType:SocialRegistry",
                    "reg_event_type": event,
                    "filter_type": "predicate",
                    "filter": active,
                    "notify_record_type": "Person",
                },
            }
            for event in ("REGISTER", CLASSIFY)
        ]
        message = {"transaction_id": uuid.uuid4().hex[:20], "subscribe_request": requests}
        await self.gateway.post(
            "/registry/subscribe", json=self.envelope("subscribe", message, len(requests))
        )
        if not await self.receiver.wait(lambda: self.receiver.of("on-subscribe"), 30):
            raise TimeoutError("the DCI gateway sent no on-subscribe callback within 30 s")
        for answer in self.receiver.of("on-subscribe")[-1]["message"]["subscribe_response"]:
            for subscription in answer.get("subscriptions") or []:
                self.subscription_codes.append(subscription["code"])
        self._count("subscriptions", len(self.subscription_codes))

    async def search(self, households: list[RegisteredHousehold]) -> None:
        """By DNI (up to 20 people), by predicate (the run's first households, paged) and once
        asynchronously (answered by an on-search callback)."""
        people = [
            str(m["document"]["number"])
            for h in households
            for m in h.members
            if (m.get("document") or {}).get("type") == "DNI"
        ][:20]
        now = datetime.now(UTC).isoformat()
        by_dni = [
            {"reference_id": f"dni-{i}", "timestamp": now,
             "search_criteria": {"query_type": "idtype-value", "query": {"type": "UIN", "value": number}}}
            for i, number in enumerate(people)
        ]  # fmt: skip
        ids = ",".join(h.household_id for h in households[:10])
        by_predicate = {
            "reference_id": "pred-0",
            "timestamp": now,
            "search_criteria": {
                "query_type": "predicate",
                "query": [{"seq_num": 1, "expression1": {"attribute_name": "household_identifier",
                                                         "operator": "in", "attribute_value": ids}}],
                "sort": [{"attribute_name": "birth_date", "sort_order": "asc"}],
                "pagination": {"page_size": 50, "page_number": 1},
            },
        }  # fmt: skip
        for batch in ([*by_dni], [by_predicate]):
            if not batch:
                continue
            message = {"transaction_id": uuid.uuid4().hex[:20], "search_request": batch}
            answer = await self.gateway.post(
                "/registry/sync/search", json=self.envelope("search", message, len(batch))
            )
            self._count("searches_sent", len(batch))
            for item in answer["message"]["search_response"]:
                if item["status"] == "succ":
                    self._count("searches_answered")
                    self._count("records_returned", len(item["data"]["reg_records"]))
            self._count("answers_signed", int(self.verified(answer)))
        message = {"transaction_id": uuid.uuid4().hex[:20], "search_request": [by_predicate]}
        await self.gateway.post("/registry/search", json=self.envelope("search", message, 1))
        self._count("searches_sent")
        if await self.receiver.wait(lambda: self.receiver.of("on-search"), 30):
            callback = self.receiver.of("on-search")[-1]
            self._count("async_searches_answered_by_callback")
            self._count(
                "searches_answered",
                sum(i["status"] == "succ" for i in callback["message"]["search_response"]),
            )

    async def await_notifications(self, households: list[RegisteredHousehold], timeout: float) -> None:
        """Until every household of the run was notified as registered (or `timeout`)."""
        ours = {h.household_id for h in households}

        def notified() -> set[str]:
            return {
                str(e["data"]["reg_records"].get("household_identifier"))
                for body in self.receiver.of("notify")
                for e in body["message"]["notify_event"]
                if e["data"]["reg_event_type"] == "REGISTER"
            } & ours

        await self.receiver.wait(lambda: notified() >= ours, timeout)
        mine = [
            body
            for body in self.receiver.of("notify")
            if any(
                e["data"]["reg_records"].get("household_identifier") in ours
                for e in body["message"]["notify_event"]
            )
        ]
        self._count("notifications_delivered", len(mine))
        self._count("notifications_acknowledged", len(mine))  # each answered ACK, once per message_id
        self._count("notifications_signed", sum(self.verified(b) for b in mine))
        self._count("households_notified", len(notified()))
        self._count(
            "classifications_notified",
            sum(
                1
                for b in mine
                for e in b["message"]["notify_event"]
                if e["data"]["reg_event_type"] == CLASSIFY
            ),
        )
        self._count("duplicate_deliveries", self.receiver.duplicates)

    async def unsubscribe(self) -> None:
        if not self.subscription_codes:
            return
        message = {
            "transaction_id": uuid.uuid4().hex[:20],
            "timestamp": datetime.now(UTC).isoformat(),
            "subscription_codes": self.subscription_codes,
        }
        await self.gateway.post("/registry/unsubscribe", json=self.envelope("unsubscribe", message, 1))
        if await self.receiver.wait(lambda: self.receiver.of("on-unsubscribe"), 30):
            statuses = self.receiver.of("on-unsubscribe")[-1]["message"]["subscription_status"]
            self._count("unsubscribed", sum(s["status"] == "unsubscribe" for s in statuses))

    def report(self) -> dict[str, Any]:
        keys = (
            "subscriptions", "searches_sent", "searches_answered", "records_returned",
            "async_searches_answered_by_callback", "answers_signed", "notifications_delivered",
            "notifications_acknowledged", "notifications_signed", "households_notified",
            "classifications_notified", "duplicate_deliveries", "unsubscribed",
        )  # fmt: skip
        return {"sender": SENDER_ID, **{key: self.figures.get(key, 0) for key in keys}}
