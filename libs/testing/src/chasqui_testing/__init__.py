"""Helpers for tests against the real broker and database (used by every service's tests)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.clock import SYSTEM_CLOCK, Clock
from chasqui_common.db.migrations import apply_migrations, common_migrations
from chasqui_common.db.pool import create_pool
from chasqui_common.events.catalogue import EventCatalogue, EventPayload
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_common.messaging.consumer import ConsumerRunner, EventConsumer
from chasqui_common.messaging.sink import ProducerSink
from chasqui_common.topics import Topic, ensure_topics


async def collect_records(
    bootstrap_servers: str,
    topic: str,
    *,
    count: int,
    timeout: float = 30.0,
    idle_after_count: float = 0.0,
    security: KafkaSecurity | None = None,
    group_prefix: str = "test-reader-",
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `topic` from the beginning until `count` records arrived (or `timeout` passed).

    With `idle_after_count`, keep reading that long after reaching `count`, to catch extras.
    `security` defaults to KAFKA_SECURITY_PROTOCOL and friends (PLAINTEXT when unset); on a broker
    with ACLs, `group_prefix` must be one the principal may use (e.g. `juntos-`).
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"{group_prefix}{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **(security or KafkaSecurity.from_env()).client_options(),
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        reached_at: float | None = None
        while time.monotonic() < deadline:
            if reached_at is not None and time.monotonic() - reached_at >= idle_after_count:
                break
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for partition_records in batch.values():
                records.extend(partition_records)
            if len(records) >= count and reached_at is None:
                reached_at = time.monotonic()
        return records
    finally:
        await consumer.stop()


class TcpProxy:
    """A TCP forwarder that a test can cut and restore, to make a real server briefly unreachable."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.connections = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def restore(self) -> None:
        await self.start()

    @contextlib.asynccontextmanager
    async def outage(self, seconds: float) -> AsyncIterator[None]:
        await self.cut()
        try:
            yield
            await asyncio.sleep(seconds)
        finally:
            await self.restore()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._links.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(writer)
            writer.transport.abort()


@contextlib.asynccontextmanager
async def serve_app(app: Any, *, startup_timeout: float = 60.0) -> AsyncIterator[str]:
    """Run an ASGI app under a real uvicorn server on a free port; yields its base URL.

    Lifespan runs as in production, so a service's broker, pool and relay start and stop.
    """
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if task.done():
            task.result()  # raises the startup failure
            raise RuntimeError("uvicorn exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"app did not start within {startup_timeout}s")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class RunningService:
    """A service running under uvicorn against the real broker and database, for tests."""

    base_url: str
    app: Any
    auth_dir: Path
    management_url: str = ""
    """The management server: /healthz, /readyz, /metrics (never on `base_url`)."""

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def token(
        self, *scopes: str, subject: str = "test-client", claims: dict[str, str | list[str]] | None = None
    ) -> str:
        """A token with `scopes`; national in their prefixes unless `claims` (access claims such as
        `{"chasqui:ubigeo": "150142"}`, or `{}` for none) confine it."""
        from chasqui_common.auth.devtokens import issue_token

        return issue_token(self.auth_dir, subject=subject, scopes=list(scopes), claims=claims)

    def management(self) -> httpx.AsyncClient:
        """An HTTP client of the management server (health, readiness, metrics)."""
        return httpx.AsyncClient(base_url=self.management_url, timeout=30)

    def client(
        self, *scopes: str, subject: str = "test-client", claims: dict[str, str | list[str]] | None = None
    ) -> httpx.AsyncClient:
        """An HTTP client carrying a valid token with `scopes` (none: no Authorization header);
        `subject` and `claims` as for `token`."""
        headers = (
            {"Authorization": f"Bearer {self.token(*scopes, subject=subject, claims=claims)}"}
            if scopes
            else {}
        )
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)


@contextlib.asynccontextmanager
async def running_service(
    definition: Any,
    *,
    database_url: str,
    schema: str,
    kafka_bootstrap_servers: str,
    auth_dir: Path,
    clock: Clock = SYSTEM_CLOCK,
    **settings: Any,
) -> AsyncIterator[RunningService]:
    """Start `definition` (a ServiceDefinition) as production would, on a test schema.

    `settings` override ServiceSettings fields (or those of `settings_class=`); `clock` fixes the
    service's "now" and "today" (e.g. `FixedClock(date(2026, 3, 1))`).

    `service_db.dsn` is the schema owner's: a service given it applies its own migrations at start.
    To run as production does, pass `database_url=service_db.runtime_dsn` (the DML-only role) and
    `database_migration_url=service_db.dsn` (or migrate first with `migrate_schema`).
    """
    from chasqui_common.auth.devtokens import ensure_signing_key
    from chasqui_common.bootstrap import create_app
    from chasqui_common.settings import ServiceSettings

    settings_class = settings.pop("settings_class", ServiceSettings)
    config = settings_class(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=database_url,
        db_schema=schema,
        auth_jwks_file=ensure_signing_key(auth_dir),
        outbox_poll_interval=settings.pop("outbox_poll_interval", 0.2),
        retry_base_delay=settings.pop("retry_base_delay", 0.05),
        consumer_group_suffix=settings.pop("consumer_group_suffix", f"-{schema}"),
        **settings,
    )
    app = create_app(definition, config, clock=clock)
    async with serve_app(app.state.management) as management_url, serve_app(app) as base_url:
        yield RunningService(base_url, app, auth_dir, management_url)


class ParcelSent(EventPayload):
    """A test event: parcel `seq` of aggregate `key` was sent."""

    key: str
    seq: int
    note: str = ""


@dataclass
class ParcelContract:
    """A private catalogue with one event type (`model`) on its own topic (and DLQ)."""

    catalogue: EventCatalogue
    topic: Topic
    model: type[ParcelSent]


@contextlib.asynccontextmanager
async def parcel_contract(bootstrap_servers: str, topic_name: str) -> AsyncIterator[ParcelContract]:
    """A contract on an existing topic (e.g. from the `unique_topic` fixture); creates its DLQ and
    deletes the DLQ afterwards (the topic itself belongs to whoever created it)."""
    security = KafkaSecurity.from_env()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security.client_options())
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic_name])
        partitions = len(described["partitions"])
    finally:
        await admin.close()
    topic = Topic(
        name=topic_name,
        owner="test",
        key="key",
        description="test",
        personal_data=False,
        partitions=partitions,
    )
    await ensure_topics(bootstrap_servers, [topic], security=security)
    catalogue = EventCatalogue()

    class Parcel(ParcelSent):
        """A test event: parcel `seq` of aggregate `key` was sent."""

    catalogue.event("pe.chasqui.test.parcel.sent.v1", topic=topic, subject="key")(Parcel)
    try:
        yield ParcelContract(catalogue, topic, Parcel)
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security.client_options())
        await admin.start()
        try:
            with contextlib.suppress(Exception):
                await admin.delete_topics([topic.dlq.name])
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def plumbed_pool(dsn: str, schema: str, *, max_size: int = 8) -> AsyncIterator[asyncpg.Pool]:
    """A pool on `schema` with the shared outbox and inbox tables migrated."""
    pool = await create_pool(dsn, schema=schema, max_size=max_size)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, schema, common_migrations())
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def started_sink(
    bootstrap_servers: str, *, security: KafkaSecurity | None = None
) -> AsyncIterator[ProducerSink]:
    """A started idempotent (acks=all) producer sink, as services use for the relay and dead letters.

    `security` defaults to KAFKA_SECURITY_PROTOCOL and friends (PLAINTEXT when unset)."""
    sink = ProducerSink(bootstrap_servers, security=security or KafkaSecurity.from_env())
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


@contextlib.asynccontextmanager
async def running_consumer(
    consumer: EventConsumer, bootstrap_servers: str, **options: Any
) -> AsyncIterator[ConsumerRunner]:
    """`consumer` (already bound) in its consumer group until the block ends, then stopped
    gracefully (its batch in flight finished and committed). `options` go to `EventConsumer.start`
    (`security` defaults to KAFKA_SECURITY_PROTOCOL and friends, PLAINTEXT when unset)."""
    options.setdefault("security", KafkaSecurity.from_env())
    runner = await consumer.start(bootstrap_servers, **options)
    try:
        yield runner
    finally:
        await runner.stop(timeout=10)


async def end_offsets(
    bootstrap_servers: str,
    topics: list[str],
    *,
    security: KafkaSecurity | None = None,
    group_prefix: str = "test-reader-",
) -> dict[TopicPartition, int]:
    """The current end offset of every partition of `topics` (those that exist): pass it to
    `records_since` to read only what is written after this moment, however big a shared topic is."""
    # A group id, though nothing is committed: aiokafka's group-less consumer can fail to stop
    # right after it started (a CancelledError from its never-started reset task).
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=f"{group_prefix}{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        **(security or KafkaSecurity.from_env()).client_options(),
    )
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, **(security or KafkaSecurity.from_env()).client_options()
    )
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d.get("error_code", 0) == 0
        for p in d.get("partitions", [])
    ]
    if not partitions:
        return {}
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def records_since(
    bootstrap_servers: str,
    start: dict[TopicPartition, int],
    *,
    timeout: float = 60.0,
    security: KafkaSecurity | None = None,
    group_prefix: str = "test-reader-",
) -> dict[str, list[ConsumerRecord[bytes, bytes]]]:
    """Every record written after `start` (from `end_offsets`) up to the end of each partition
    now, by topic, in partition order; TimeoutError if a partition cannot be read to its end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=f"{group_prefix}{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        **(security or KafkaSecurity.from_env()).client_options(),
    )
    await consumer.start()
    try:
        partitions = list(start)
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        found: dict[str, list[ConsumerRecord[bytes, bytes]]] = {}
        pending = {p for p in partitions if ends[p] > start[p]}
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {sorted(map(str, pending))} to their end")
            batch = await consumer.getmany(*pending, timeout_ms=200, max_records=5000)
            for partition, records in batch.items():
                found.setdefault(partition.topic, []).extend(r for r in records if r.offset < ends[partition])
                if records and records[-1].offset >= ends[partition] - 1:
                    pending.discard(partition)
        return found
    finally:
        await consumer.stop()
