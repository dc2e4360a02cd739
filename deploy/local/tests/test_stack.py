"""The local stack answers like the real thing: aiokafka on Kafka 4.1, asyncpg on PostgreSQL."""

from __future__ import annotations

import time

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from chasqui_local import stack
from chasqui_local.config import LocalConfig
from chasqui_local.pytest_plugin import Infrastructure, MakeTopic, ServiceDatabase


async def test_aiokafka_produces_and_consumes_with_a_committed_group_on_kafka_4(
    kafka_bootstrap_servers: str, unique_topic: MakeTopic
) -> None:
    topic = unique_topic("stack", partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for i in range(6):
            await producer.send_and_wait(topic, f"m{i}".encode(), key=f"k{i}".encode())
    finally:
        await producer.stop()

    group = f"g-{topic}"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(seen) < 6 and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            seen.extend(record.value for records in batches.values() for record in records)
        await consumer.commit()
        committed = [await consumer.committed(TopicPartition(topic, p)) for p in range(3)]
    finally:
        await consumer.stop()

    assert sorted(seen) == [f"m{i}".encode() for i in range(6)]
    assert sum(offset or 0 for offset in committed) == 6


async def test_postgres_answers_and_service_db_role_owns_its_schema(
    service_db: ServiceDatabase,
) -> None:
    conn = await asyncpg.connect(service_db.dsn)
    try:
        await conn.execute("CREATE TABLE households (id int PRIMARY KEY)")
        where = await conn.fetchval(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'households'"
        )
        assert where == service_db.schema
        assert await conn.fetchval("SELECT current_user") == service_db.role
    finally:
        await conn.close()


async def test_second_start_is_idempotent_and_quick(infrastructure: Infrastructure) -> None:
    if infrastructure.source != "local":
        pytest.skip("infrastructure comes from env or testcontainers, not the local stack")
    began = time.monotonic()
    info = await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)
    assert info.started == ()
    assert time.monotonic() - began < 10
    assert all(component.running for component in stack.status(LocalConfig.from_env()))
