"""Acceptance 1: an event recorded in a committed transaction reaches Kafka as a CloudEvent; a rollback
publishes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC

import asyncpg
import pytest
from chasqui_common.messaging.outbox import Outbox, OutboxRelay, backlog_of
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event


async def test_committed_event_arrives_as_a_cloudevent_and_rolled_back_one_never_does(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox("/chasqui/test", contract.catalogue)
    async with pool.acquire() as conn, conn.transaction():
        [committed] = await outbox.record(conn, contract.model(key="hh-7", seq=1, note="Ñandú"))
    with pytest.raises(RuntimeError, match="abandon"):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, contract.model(key="hh-8", seq=2))
            raise RuntimeError("abandon the transaction")

    relay = OutboxRelay(pool, sink, schema=service_db.schema, poll_interval=0.1)
    relay.start()
    try:
        records = await collect_records(
            kafka_bootstrap_servers, contract.topic.name, count=1, idle_after_count=2
        )
    finally:
        await relay.stop()

    assert len(records) == 1, "the rolled-back event must never be published"
    record = records[0]
    event = from_binary_event(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value))
    assert event.get_specversion() == "1.0"
    assert event.get_id() == str(committed.id)
    assert event.get_type() == "pe.chasqui.test.parcel.sent.v1"
    assert event.get_source() == "/chasqui/test"
    assert event.get_subject() == "hh-7"
    assert event.get_time() == committed.time.astimezone(UTC)
    assert event.get_data() == {"key": "hh-7", "seq": 1, "note": "Ñandú"}
    assert record.key == b"hh-7", "the Kafka key is the aggregate id"
    assert await backlog_of(pool) == (0, None)


async def test_record_outside_a_transaction_is_refused(pool: asyncpg.Pool, contract) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox("/chasqui/test", contract.catalogue)
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            await outbox.record(conn, contract.model(key="k", seq=1))


async def test_relay_wakes_on_notify_without_waiting_for_the_poll(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    relay = OutboxRelay(pool, sink, schema=service_db.schema, poll_interval=3600)
    relay.start()
    try:
        await asyncio.sleep(0.5)  # the relay is now idle, waiting on LISTEN
        async with pool.acquire() as conn, conn.transaction():
            await Outbox("/chasqui/test", contract.catalogue).record(conn, contract.model(key="a", seq=1))
        records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=1, timeout=15)
    finally:
        await relay.stop()
    assert len(records) == 1
