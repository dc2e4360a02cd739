"""The consumer's own loop on aiokafka: offsets are committed only once every record of a batch reached
its outcome; a dead letter that cannot be written rewinds instead; a graceful stop and a rebalance
commit the batch in flight, so nothing is lost and nothing applied is read again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retry import RetryPolicy
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records
from prometheus_client import REGISTRY


async def _eventually(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return result


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=headers) for key, value, headers in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _outcomes(consumer: str, topic: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "chasqui_messages_processed_total", {"consumer": consumer, "topic": topic, "outcome": outcome}
    )
    return value or 0.0


class FlakySink:
    """A dead-letter sink whose first `failures` sends fail (the DLQ topic is unreachable)."""

    def __init__(self, sink: ProducerSink, failures: int) -> None:
        self._sink = sink
        self.failures = failures

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("dead-letter topic unreachable")
        return await self._sink.send(topic, key=key, value=value, headers=headers)


async def test_a_dead_letter_that_cannot_be_written_rewinds_and_commits_nothing_until_it_is(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    outbox = Outbox("/chasqui/test", contract.catalogue)
    good = [outbox.envelope(contract.model(key="hh-1", seq=seq)) for seq in range(3)]
    invalid = outbox.envelope(contract.model(key="hh-1", seq=9))
    await _produce(
        kafka_bootstrap_servers,
        contract.topic.name,
        [
            (b"hh-1", good[0].body(), good[0].kafka_headers()),
            (b"hh-1", b'{"key": "hh-1", "seq": "nine"}', invalid.kafka_headers()),
            (b"hh-1", good[1].body(), good[1].kafka_headers()),
            (b"hh-1", good[2].body(), good[2].kafka_headers()),
        ],
    )
    consumer = EventConsumer(
        f"rewind-{service_db.schema}",
        topics=[contract.topic],
        catalogue=contract.catalogue,
        retry=RetryPolicy(base_delay=0.05, max_delay=0.2),
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", parcel.seq)

    flaky = FlakySink(sink, failures=2)
    consumer.bind(pool, outbox, flaky)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        await _eventually(lambda: pool.fetchval("SELECT count(*) = 3 FROM effects"), "the good records")
        await _eventually(lambda: _committed_total_is(runner.kafka, 4), "the batch to be committed")
    finally:
        await runner.stop()

    assert flaky.failures == 0, "the dead letter was tried again after each rewind"
    assert [r["seq"] for r in await pool.fetch("SELECT seq FROM effects ORDER BY seq")] == [0, 1, 2]
    dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=1, timeout=10)
    assert [dict(r.headers)["dlq_reason"] for r in dead] == [b"payload.invalid"]


async def _committed_total_is(kafka: Any, offset: int) -> bool:
    committed = [await kafka.committed(tp) for tp in kafka.assignment()]
    return sum(value for value in committed if value is not None) == offset


async def test_a_graceful_stop_and_a_rebalance_commit_the_batch_in_flight(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    events = 300
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (key text, seq int, PRIMARY KEY (key, seq))")
    outbox = Outbox("/chasqui/test", contract.catalogue)
    envelopes = [outbox.envelope(contract.model(key=f"k{n % 12}", seq=n)) for n in range(events)]
    await _produce(
        kafka_bootstrap_servers,
        contract.topic.name,
        [(e.subject.encode(), e.body(), e.kafka_headers()) for e in envelopes if e.subject],
    )
    consumer = EventConsumer(
        f"handover-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)  # a batch of 50 takes half a second: a rebalance lands inside one
        await uow.conn.execute("INSERT INTO effects VALUES ($1, $2)", parcel.key, parcel.seq)

    consumer.bind(pool, outbox, sink)
    applied = lambda n: lambda: pool.fetchval("SELECT count(*) >= $1 FROM effects", n)  # noqa: E731

    first = await consumer.start(kafka_bootstrap_servers, max_records=50)
    await _eventually(applied(60), "the first records")
    await first.stop()  # mid-stream: the batch in flight finishes and is committed
    first = await consumer.start(kafka_bootstrap_servers, max_records=50)
    await _eventually(applied(120), "more records")
    second = await consumer.start(kafka_bootstrap_servers, max_records=50)  # a rebalance mid-stream
    try:
        await _eventually(applied(events), "every record", timeout=60)
        await asyncio.sleep(0.5)
    finally:
        await asyncio.gather(first.stop(), second.stop())

    assert await pool.fetchval("SELECT count(*) FROM effects") == events
    assert await pool.fetchval("SELECT count(*) FROM inbox") == events
    assert _outcomes(consumer.name, contract.topic.name, "applied") == events
    assert _outcomes(consumer.name, contract.topic.name, "duplicate") == 0, (
        "a record applied before a stop or a rebalance was read again: its offset was not committed"
    )
