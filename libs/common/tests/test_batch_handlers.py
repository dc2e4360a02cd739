"""Batch handlers (`EventConsumer.on_batch`): a run of records is claimed in the inbox in one
statement and handed over at once; a redelivered event is a duplicate; if the run fails for good
it is applied again record by record, so only the failing record is dead-lettered; the events a
batch handler publishes name their own cause."""

from __future__ import annotations

import asyncio
import json
import time

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.messaging.consumer import EventConsumer, Received, publish_caused
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records


async def test_a_run_is_applied_at_once_and_a_failing_record_alone_is_dead_lettered(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    outbox = Outbox("/chasqui/test", contract.catalogue)
    envelopes = [outbox.envelope(contract.model(key="hh-1", seq=seq)) for seq in range(6)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for envelope in [*envelopes, envelopes[1]]:  # parcel 1 is delivered twice
            await producer.send(
                contract.topic.name, envelope.body(), key=b"hh-1", headers=envelope.kafka_headers()
            )
        await producer.flush()
    finally:
        await producer.stop()

    consumer = EventConsumer(
        f"batch-handler-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )
    runs: list[list[int]] = []

    @consumer.on_batch(contract.model)
    async def apply(uow: UnitOfWork, parcels: list[Received]) -> None:  # type: ignore[type-arg]
        runs.append([p.payload.seq for p in parcels])
        await uow.conn.executemany("INSERT INTO effects VALUES ($1)", [(p.payload.seq,) for p in parcels])
        await publish_caused(
            uow, [(p.envelope, [contract.model(key="echo", seq=p.payload.seq)]) for p in parcels]
        )
        if any(p.payload.seq == 2 for p in parcels):
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
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 5
    assert len(dead) == 1
    assert int(dict(dead[0].headers)["dlq_original_offset"].decode()) == 2
    assert any(len(run) > 1 for run in runs), f"the records were never handed over together: {runs}"
    assert sum(run.count(1) for run in runs if 2 not in run) == 1, "parcel 1 was applied once"
    # Each event published names its own cause (correlation and causation).
    causes = {str(e.id): e.data["seq"] for e in envelopes}
    rows = await pool.fetch("SELECT headers, body FROM outbox ORDER BY position")
    assert len(rows) == 5
    for row in rows:
        assert causes[json.loads(row["headers"])["ce_causationid"]] == json.loads(row["body"])["seq"]
