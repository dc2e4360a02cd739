"""Fixtures for the shared library's tests: a private event catalogue on a fresh topic, a broker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
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
    note: str = ""


@dataclass
class TestContract:
    catalogue: EventCatalogue
    topic: Topic
    model: type[ParcelSent]


@pytest_asyncio.fixture(loop_scope="session")
async def contract(unique_topic, kafka_bootstrap_servers: str) -> AsyncIterator[TestContract]:  # type: ignore[no-untyped-def]
    """A catalogue with one event type on a fresh 3-partition topic (its DLQ created too)."""
    name = unique_topic("evt", partitions=3)
    topic = Topic(name=name, owner="test", key="key", description="test", personal_data=False, partitions=3)
    await ensure_topics(kafka_bootstrap_servers, [topic])
    catalogue = EventCatalogue()

    class Parcel(ParcelSent):
        """A test event: parcel `seq` of aggregate `key` was sent."""

    catalogue.event("pe.chasqui.test.parcel.sent.v1", topic=topic, subject="key")(Parcel)
    yield TestContract(catalogue, topic, Parcel)
    # unique_topic removes the topic itself; its dead-letter topic is ours to remove.
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        with contextlib.suppress(Exception):
            await admin.delete_topics([topic.dlq.name])
    finally:
        await admin.close()


@pytest_asyncio.fixture(loop_scope="session")
async def pool(service_db) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A pool on a fresh service schema with the shared plumbing tables migrated."""
    pool = await create_pool(service_db.dsn, schema=service_db.schema, max_size=8)
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
