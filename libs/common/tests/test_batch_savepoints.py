"""A batch shares one transaction with a savepoint per record: a record whose handler fails for good
leaves no partial effect and no inbox claim, is dead-lettered, and its neighbours still apply."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records


async def test_a_failing_record_rolls_back_to_its_savepoint_and_the_rest_of_the_batch_commits(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    outbox = Outbox("/chasqui/test", contract.catalogue)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for seq in range(6):
            envelope = outbox.envelope(contract.model(key="hh-1", seq=seq))
            await producer.send_and_wait(
                contract.topic.name, envelope.body(), key=b"hh-1", headers=envelope.kafka_headers()
            )
    finally:
        await producer.stop()

    consumer = EventConsumer(
        f"batch-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", parcel.seq)
        await uow.publish(contract.model(key="echo", seq=parcel.seq))
        if parcel.seq == 2:
            raise ValueError("parcel 2 is addressed to a district that does not exist")

    consumer.bind(pool, outbox, sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        deadline = time.monotonic() + 30
        while await pool.fetchval("SELECT count(*) FROM inbox") < 5:
            assert time.monotonic() < deadline, "the batch was not applied"
            await asyncio.sleep(0.1)
        dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=1, timeout=20)
    finally:
        await runner.stop()

    assert [r["seq"] for r in await pool.fetch("SELECT seq FROM effects ORDER BY seq")] == [0, 1, 3, 4, 5]
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 5, "the failed record's claim is undone"
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 5, "the failed record's events are undone"
    assert len(dead) == 1
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq_reason"] == "handler.failed"
    assert "does not exist" in headers["dlq_detail"]
    assert int(headers["dlq_original_offset"]) == 2
