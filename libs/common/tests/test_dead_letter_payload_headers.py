"""Issue 13, item 8, on the real broker: a payload that breaks a value rule (`payload.invalid`)
carries the same `dlq_field`/`dlq_value` (masked)/`dlq_expected` headers as a handler failure,
naming its first failing field; `dlq_detail` still lists every failing field."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.catalogue import EventCatalogue
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_common.values import PhoneNumber, Ubigeo
from chasqui_testing import ParcelSent, collect_records


class ContactChanged(ParcelSent):
    """A test event: the contact of aggregate `key` changed."""

    phone: PhoneNumber
    ubigeo: Ubigeo


async def test_invalid_payload_dead_letter_names_its_first_failing_field_in_headers(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    catalogue = EventCatalogue()
    catalogue.event("pe.chasqui.test.contact.changed.v1", topic=contract.topic, subject="key")(ContactChanged)
    outbox = Outbox("/chasqui/test", catalogue)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    good = outbox.envelope(ContactChanged(key="hh-1", seq=1, phone="+51987654321", ubigeo="150101"))
    bad = outbox.envelope(ContactChanged(key="hh-1", seq=0, phone="+51987654321", ubigeo="150101"))
    bad = bad.model_copy(
        update={"data": {"key": "hh-1", "seq": 0, "phone": "+5198765432", "ubigeo": "090708"}}
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for envelope in (bad, good):
            await producer.send_and_wait(
                contract.topic.name, envelope.body(), key=b"hh-1", headers=envelope.kafka_headers()
            )
    finally:
        await producer.stop()

    consumer = EventConsumer(f"hdr-{service_db.schema}", topics=[contract.topic], catalogue=catalogue)

    @consumer.on(ContactChanged)
    async def apply(uow: UnitOfWork, event: ContactChanged) -> None:
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", event.seq)

    consumer.bind(pool, outbox, sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        deadline = time.monotonic() + 30
        while await pool.fetchval("SELECT count(*) FROM effects") < 1:
            assert time.monotonic() < deadline, "the good message behind the invalid one was not applied"
            await asyncio.sleep(0.1)
    finally:
        await runner.stop()

    [dead] = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=1, timeout=20)
    headers = {k: v.decode() for k, v in dead.headers}
    assert headers["dlq_reason"] == "payload.invalid"
    assert headers["dlq_field"] == "phone"
    assert headers["dlq_value"] == '"***432"'
    assert headers["dlq_expected"].startswith("a valid phone number")
    assert headers["dlq_error"] == "pydantic_core._pydantic_core.ValidationError"
    assert "phone=" in headers["dlq_detail"]
    assert "ubigeo=" in headers["dlq_detail"]
    assert "+5198765432" not in str(headers), "the phone is masked everywhere in the dead letter"
