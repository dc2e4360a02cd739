"""Acceptance 3: undecodable, header-less, invalid and unknown messages, and headers that are not UTF-8,
land in the DLQ with a precise reason, and the good messages behind them on the same partition are processed."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records


def _good(contract, seq: int) -> Envelope:  # type: ignore[no-untyped-def]
    return Outbox("/chasqui/test", contract.catalogue).envelope(contract.model(key="hh-1", seq=seq))


async def test_bad_messages_are_dead_lettered_with_reasons_and_good_ones_behind_them_apply(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    good = [_good(contract, seq) for seq in range(6)]
    invalid = good[0].model_copy(
        update={"id": _good(contract, 99).id, "data": {"key": "hh-1", "seq": "many"}}
    )
    unknown = good[0].model_copy(
        update={"id": _good(contract, 98).id, "type": "pe.chasqui.test.parcel.lost.v1"}
    )
    no_headers = [(k, v) for k, v in good[0].kafka_headers() if not k.startswith("ce_")]
    messages: list[tuple[bytes, list[tuple[str, bytes]]]] = [
        (good[0].body(), good[0].kafka_headers()),
        (b"<xml>not json</xml>", good[1].model_copy(update={"id": _good(contract, 97).id}).kafka_headers()),
        (good[1].body(), good[1].kafka_headers()),
        (b'{"key": "hh-1", "seq": 5}', no_headers),
        (good[2].body(), good[2].kafka_headers()),
        (invalid.body(), invalid.kafka_headers()),
        (good[3].body(), good[3].kafka_headers()),
        (unknown.body(), unknown.kafka_headers()),
        (good[4].body(), good[4].kafka_headers()),
        (good[0].body(), [*_good(contract, 96).kafka_headers(), ("x-origin", b"\xffLima\xfe")]),
        (good[5].body(), good[5].kafka_headers()),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for value, headers in messages:  # one key: one partition, strictly in this order
            await producer.send_and_wait(contract.topic.name, value, key=b"hh-1", headers=headers)
    finally:
        await producer.stop()

    consumer = EventConsumer(
        f"dlq-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", parcel.seq)

    consumer.bind(pool, Outbox("/chasqui/test", contract.catalogue), sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        deadline = time.monotonic() + 30
        while await pool.fetchval("SELECT count(*) FROM effects") < 6:
            assert time.monotonic() < deadline, "good messages behind the bad ones were not processed"
            await asyncio.sleep(0.1)
    finally:
        await runner.stop()

    assert [r["seq"] for r in await pool.fetch("SELECT seq FROM effects ORDER BY seq")] == [0, 1, 2, 3, 4, 5]
    dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=5, timeout=20)
    assert len(dead) == 5
    reasons = []
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}  # the DLQ copy is readable text
        assert headers["dlq_original_topic"] == contract.topic.name
        assert headers["dlq_consumer"] == consumer.name
        assert int(headers["dlq_original_offset"]) in {1, 3, 5, 7, 9}
        assert headers["dlq_original_partition"].isdigit()
        assert record.key == b"hh-1"
        reasons.append((headers["dlq_reason"], headers["dlq_detail"]))
    by_reason = dict(reasons)
    assert "not JSON" in by_reason["body.not_json"]
    assert "ce_specversion, ce_id, ce_source, ce_type" in by_reason["envelope.missing_header"]
    assert "seq='many'" in by_reason["payload.invalid"]
    assert "valid integer" in by_reason["payload.invalid"]
    assert "pe.chasqui.test.parcel.lost.v1" in by_reason["type.unknown"]
    assert "'x-origin' is not UTF-8" in by_reason["envelope.bad_header"]
    assert dead[0].value == b"<xml>not json</xml>", "the original bytes are kept for replay"
