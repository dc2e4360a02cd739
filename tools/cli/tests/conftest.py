"""Fixtures for the CLI tests: a private event catalogue on a fresh topic (with its DLQ), a database
schema with the outbox and inbox tables, and a helper that runs `chasqui` as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.db.migrations import apply_migrations, common_migrations
from chasqui_common.db.pool import create_pool
from chasqui_common.events.catalogue import EventCatalogue, EventPayload
from chasqui_common.topics import Topic, ensure_topics
from faststream.kafka import KafkaBroker


class ParcelSent(EventPayload):
    """A test event: parcel `seq` of aggregate `key` was sent."""

    key: str
    seq: int


@dataclass
class Contract:
    catalogue: EventCatalogue
    topic: Topic
    model: type[ParcelSent]


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, f"chasqui failed ({self.code}): {self.stderr}"
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Cli:
    """Runs `python -m chasqui_cli ARGS` against the test session's Kafka and Postgres."""

    env: dict[str, str]

    async def __call__(self, *args: str, stdin: str | None = None, **env: str) -> CliResult:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chasqui_cli",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**self.env, **env},
        )
        out, err = await asyncio.wait_for(process.communicate(stdin.encode() if stdin else b""), 120)
        assert process.returncode is not None
        return CliResult(process.returncode, out.decode(), err.decode())


@pytest.fixture
def cli(kafka_bootstrap_servers: str, postgres_admin_dsn: str) -> Cli:
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        DATABASE_ADMIN_URL=postgres_admin_dsn,
        COLUMNS="200",
    )
    env.pop("CHASQUI_DEBUG", None)
    return Cli(env)


@pytest_asyncio.fixture(loop_scope="session")
async def contract(unique_topic, kafka_bootstrap_servers: str) -> AsyncIterator[Contract]:  # type: ignore[no-untyped-def]
    """A catalogue with one event type on a fresh 2-partition topic, its DLQ created too (and
    deleted afterwards; `unique_topic` deletes the topic itself)."""
    name = unique_topic("cli", partitions=2)
    topic = Topic(name=name, owner="test", key="key", description="test", personal_data=False, partitions=2)
    await ensure_topics(kafka_bootstrap_servers, [topic])
    catalogue = EventCatalogue()

    class Parcel(ParcelSent):
        """A test event: parcel `seq` of aggregate `key` was sent."""

    catalogue.event("pe.chasqui.test.parcel.sent.v1", topic=topic, subject="key")(Parcel)
    yield Contract(catalogue, topic, Parcel)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        with contextlib.suppress(Exception):
            await admin.delete_topics([topic.dlq.name])
    finally:
        await admin.close()


@pytest_asyncio.fixture(loop_scope="session")
async def pool(service_db) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A pool on a fresh service schema with the shared outbox and inbox tables."""
    pool = await create_pool(service_db.dsn, schema=service_db.schema, max_size=4)
    async with pool.acquire() as conn:
        await apply_migrations(conn, service_db.schema, common_migrations())
    try:
        yield pool
    finally:
        await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def broker(kafka_bootstrap_servers: str) -> AsyncIterator[KafkaBroker]:
    broker = KafkaBroker(kafka_bootstrap_servers, enable_idempotence=True, acks="all", graceful_timeout=10)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
