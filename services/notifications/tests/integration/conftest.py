"""Integration fixtures: a real SMTP server (aiosmtpd), a real HTTP provider receiver, a movable
clock, and the notifications service running on the real broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from aiosmtpd.controller import Controller
from chasqui_common.auth.devtokens import ensure_signing_key
from chasqui_common.bootstrap import create_app
from chasqui_common.clock import LIMA, lima_date
from chasqui_common.envelope import Envelope
from chasqui_common.events.catalogue import CATALOGUE, EventPayload
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import (
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
    NOTIFICATIONS_DELIVERIES,
    REGISTRY_HOUSEHOLDS,
    ensure_topics,
)
from chasqui_notifications.main import build_definition
from chasqui_notifications.settings import NotificationsSettings
from chasqui_testing import RunningService, serve_app
from chasqui_testing.consumer_groups import pin_groups_at_end
from chasqui_testing.ports import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class FakeClock:
    """The service's clock (a chasqui_common.clock.Clock): runs at real speed from wherever the
    test last moved it, so retries and leases still come due."""

    def __init__(self, now: datetime) -> None:
        self.set(now)

    def now(self) -> datetime:
        return (self._base + timedelta(seconds=time.monotonic() - self._set_at)).astimezone(UTC)

    def today(self) -> date:
        return lima_date(self.now())

    def set(self, now: datetime) -> None:
        self._base, self._set_at = now, time.monotonic()


def lima(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=LIMA)


class Mailbox:
    """aiosmtpd handler keeping every message that arrived."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass
class Provider:
    """A local SMS/WhatsApp provider: answers per recipient as scripted (200 by default)."""

    base_url: str = ""
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    scripts: dict[str, list[int | str]] = field(default_factory=dict)

    def to(self, phone: str, path: str | None = None) -> list[dict[str, Any]]:
        return [
            body for p, _, body in self.requests if body.get("to") == phone and (path is None or p == path)
        ]

    async def receive(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append((request.url.path, dict(request.headers), body))
        script = self.scripts.get(body.get("to", ""))
        action = script.pop(0) if script else 200
        if action == "timeout":
            await asyncio.sleep(3)
            action = 200
        if action == 200:
            return JSONResponse({"id": f"prov-{uuid.uuid4().hex[:8]}", "status": "accepted"})
        if isinstance(action, int) and 400 <= action < 500:
            return JSONResponse({"error": "destination number is not a mobile line"}, status_code=action)
        return JSONResponse({"error": "upstream carrier unavailable"}, status_code=int(action))


@pytest_asyncio.fixture(loop_scope="session")
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def provider() -> AsyncIterator[Provider]:
    prov = Provider()
    app = Starlette(
        routes=[
            Route("/sms", prov.receive, methods=["POST"]),
            Route("/whatsapp", prov.receive, methods=["POST"]),
        ]
    )
    async with serve_app(app) as base_url:
        prov.base_url = base_url
        yield prov


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(lima(3, 10))  # a Tuesday, 10:00 in Lima


ServiceFactory = Callable[..., contextlib.AbstractAsyncContextManager[RunningService]]


@pytest.fixture
def notifications(
    request: pytest.FixtureRequest,
    service_db: Any,
    kafka_bootstrap_servers: str,
    mailbox: Mailbox,
    provider: Provider,
    clock: FakeClock,
    tmp_path: Path,
) -> ServiceFactory:
    """Factory: `async with notifications() as svc:` runs the service wired to the test SMTP server,
    provider and clock. Its consumer group is new to the test but starts at the topics' current
    end: the shared topics' history (other tests' people) is not this test's business."""

    default_group = f"notifications-it-{uuid.uuid4().hex[:12]}"

    @contextlib.asynccontextmanager
    async def start(group: str | None = None, **overrides: Any) -> AsyncIterator[RunningService]:
        name = group or default_group
        if name not in _STARTED_GROUPS:  # its other groups too (citizen-attention's messages, ARCO)
            await pin_groups_at_end(build_definition(consumer_name=name), kafka_bootstrap_servers, "")
        await start_group_at_end(kafka_bootstrap_servers, name)
        settings: dict[str, Any] = {
            "email_transport": "smtp",
            "smtp_port": mailbox.port,
            "sms_transport": "http",
            "sms_endpoint": f"{provider.base_url}/sms",
            "sms_token": "sms-secret",
            "whatsapp_transport": "http",
            "whatsapp_endpoint": f"{provider.base_url}/whatsapp",
            "whatsapp_token": "wa-secret",
            "dispatch_poll_seconds": 0.1,
            "delivery_retry_base_seconds": 0.05,
            "delivery_retry_max_seconds": 0.2,
            "provider_timeout_seconds": 1.0,
            "log_json": False,
            "consumer_group_suffix": "",  # the group is pinned to the topics' end above
        }
        settings.update(overrides)
        auth_dir = tmp_path / "auth"
        config = NotificationsSettings(
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            database_url=service_db.dsn,
            db_schema=service_db.schema,
            auth_jwks_file=ensure_signing_key(auth_dir),
            outbox_poll_interval=0.2,
            retry_base_delay=0.05,
            **settings,
        )
        # As chasqui_testing.running_service, with the test's clock given to the runtime.
        app = create_app(build_definition(consumer_name=name), config, clock=clock)
        async with serve_app(app) as base_url:
            yield RunningService(base_url, app, auth_dir)

    return start


_STARTED_GROUPS: set[str] = set()


async def start_group_at_end(bootstrap: str, group: str) -> None:
    """Commit the current end offsets of the consumed topics for a group that has none yet."""
    if group in _STARTED_GROUPS:
        return
    _STARTED_GROUPS.add(group)
    topics = [
        REGISTRY_HOUSEHOLDS,
        MIGRANT_SERVICES_MIGRANTS,
        MIGRANT_SERVICES_CASES,
        ELIGIBILITY_DECISIONS,
        EMPLOYMENT_JOB_SEEKERS,
        EMPLOYMENT_VACANCIES,
    ]
    await ensure_topics(bootstrap, [*topics, NOTIFICATIONS_DELIVERIES])
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([t.name for t in topics])
    finally:
        await admin.close()
    partitions = [
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d.get("partitions", [])
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()


def envelope(payload: EventPayload, source: str = "/chasqui/test") -> Envelope:
    return Outbox(source, CATALOGUE).envelope(payload)


async def publish(bootstrap: str, *envelopes: Envelope) -> None:
    """Produce envelopes as an upstream service's relay would (same id when re-sent)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in envelopes:
            spec = CATALOGUE.get(env.type)
            assert spec is not None
            await producer.send_and_wait(
                spec.topic.name,
                env.body(),
                key=(env.subject or "").encode(),
                headers=env.kafka_headers(),
            )
    finally:
        await producer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
        await asyncio.sleep(0.1)


async def statuses(svc: RunningService, person_id: str) -> dict[str, str]:
    rows = await svc.runtime.pool.fetch(
        "SELECT channel, status FROM deliveries WHERE person_id = $1", person_id
    )
    return {row["channel"]: row["status"] for row in rows}


async def read_keyed(bootstrap: str, topic: str, key: str, *, count: int, timeout: float = 20.0) -> list[Any]:
    """The JSON bodies of `topic`'s records keyed `key`, read from the start until `count` (plus a
    short grace for extras) arrived."""
    import json

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        reached: float | None = None
        while time.monotonic() < deadline and (reached is None or time.monotonic() - reached < 1.0):
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batch.values():
                found.extend(json.loads(r.value) for r in records if r.key == key.encode())
            if len(found) >= count and reached is None:
                reached = time.monotonic()
        return found
    finally:
        await consumer.stop()
