"""Acceptance 4: a handler whose database is briefly unreachable is retried and succeeds; nothing is lost."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.pool import create_pool
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retry import RetryPolicy
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import TcpProxy, collect_records


async def test_database_outage_is_retried_and_every_event_applies_once(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    target = urlsplit(service_db.dsn)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    netloc = f"{target.username}:{target.password}@127.0.0.1:{proxy.port}"
    flaky_pool = await create_pool(
        urlunsplit(target._replace(netloc=netloc)), schema=service_db.schema, max_size=2, command_timeout=2
    )
    outbox = Outbox("/chasqui/test", contract.catalogue)
    outage_started = asyncio.Event()
    attempts: list[int] = []

    consumer = EventConsumer(
        f"retry-{service_db.schema}",
        topics=[contract.topic],
        catalogue=contract.catalogue,
        retry=RetryPolicy(max_attempts=10, base_delay=0.1, max_delay=1.0),
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        attempts.append(parcel.seq)
        if parcel.seq == 3 and not outage_started.is_set():
            outage_started.set()
            await proxy.cut()  # the database vanishes in the middle of this handler
            asyncio.get_running_loop().call_later(1.5, lambda: asyncio.ensure_future(proxy.restore()))
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", parcel.seq)

    consumer.bind(flaky_pool, outbox, sink)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for seq in range(8):
            envelope = outbox.envelope(contract.model(key="hh-1", seq=seq))
            await producer.send_and_wait(
                contract.topic.name, envelope.body(), key=b"hh-1", headers=envelope.kafka_headers()
            )
    finally:
        await producer.stop()

    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        deadline = time.monotonic() + 60
        while await pool.fetchval("SELECT count(*) FROM effects") < 8:
            assert time.monotonic() < deadline, "events were lost after the outage"
            await asyncio.sleep(0.1)
    finally:
        await runner.stop()
        await flaky_pool.close()
        await proxy.cut()

    assert outage_started.is_set()
    assert attempts.count(3) >= 2, "the event hit by the outage was retried"
    assert [r["seq"] for r in await pool.fetch("SELECT seq FROM effects ORDER BY seq")] == list(range(8))
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 8
    dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=1, timeout=2)
    assert dead == [], "a transient failure must not dead-letter"
