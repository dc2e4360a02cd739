"""Fixtures for the shared library's tests: a private event catalogue on a fresh topic, a plumbed
schema and a producer sink (the logic lives in chasqui_testing, shared with the CLI's tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import ParcelContract, parcel_contract, plumbed_pool, started_sink


@pytest_asyncio.fixture(loop_scope="session")
async def contract(unique_topic, kafka_bootstrap_servers: str) -> AsyncIterator[ParcelContract]:  # type: ignore[no-untyped-def]
    """A catalogue with one event type on a fresh 3-partition topic (its DLQ created too)."""
    async with parcel_contract(kafka_bootstrap_servers, unique_topic("evt", partitions=3)) as contract:
        yield contract


@pytest_asyncio.fixture(loop_scope="session")
async def pool(service_db) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A pool on a fresh service schema with the shared plumbing tables migrated."""
    async with plumbed_pool(service_db.dsn, service_db.schema) as pool:
        yield pool


@pytest_asyncio.fixture(loop_scope="session")
async def sink(kafka_bootstrap_servers: str) -> AsyncIterator[ProducerSink]:
    """An idempotent producer sink, as the relay and the dead letters use."""
    async with started_sink(kafka_bootstrap_servers) as sink:
        yield sink
