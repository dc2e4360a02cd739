"""Acceptance 2: 10,000 events over 100 keys, relay killed half-way and restarted: all arrive, order per
key holds, and an inbox-backed consumer applies each exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import asyncpg
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox, OutboxRelay, backlog_of
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records

EVENTS = 10_000
KEYS = 100


async def _wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_ten_thousand_events_survive_a_relay_crash_in_order_and_apply_once(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox("/chasqui/test", contract.catalogue)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (key text, seq int, applied serial PRIMARY KEY)")
    # Record in 100 transactions of 100 events, interleaving keys; seq grows per key.
    for batch in range(EVENTS // 100):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(
                conn,
                *[contract.model(key=f"k{i % KEYS:03d}", seq=(batch * 100 + i) // KEYS) for i in range(100)],
            )

    first = OutboxRelay(pool, sink, schema=service_db.schema, batch_size=200, poll_interval=0.1)
    first.start()
    await _wait_for(lambda: _published_at_least(pool, EVENTS // 2), 120, "half the events published")
    assert first._task is not None
    first._task.cancel()  # a crash: no flush, no unlock; the in-flight batch may be re-sent
    await asyncio.gather(first._task, return_exceptions=True)
    await pool.expire_connections()  # the crashed relay's session (and advisory lock) is gone

    second = OutboxRelay(pool, sink, schema=service_db.schema, batch_size=200, poll_interval=0.1)
    second.start()
    try:
        await _wait_for(lambda: _backlog_empty(pool), 120, "the outbox to drain")
    finally:
        await second.stop()

    records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=EVENTS, timeout=120)
    ids = [Envelope.from_kafka(r.headers, r.value).id for r in records]
    assert len(set(ids)) == EVENTS, "every event arrives (at least once)"
    by_key: dict[bytes, list[int]] = defaultdict(list)
    first_seen: set[object] = set()
    for record, event_id in zip(records, ids, strict=True):
        if event_id in first_seen:
            continue  # a redelivery of the crash-interrupted batch
        first_seen.add(event_id)
        by_key[record.key].append(Envelope.from_kafka(record.headers, record.value).data["seq"])
    assert len(by_key) == KEYS
    for key, seqs in by_key.items():
        assert seqs == sorted(seqs), f"order broken for key {key!r}"

    # An inbox-backed consumer applies each event exactly once, duplicates included.
    consumer = EventConsumer(
        f"effects-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await uow.conn.execute("INSERT INTO effects (key, seq) VALUES ($1, $2)", parcel.key, parcel.seq)

    consumer.bind(pool, outbox, sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        await _wait_for(lambda: _effects_at_least(pool, EVENTS), 240, "every event applied")
        await asyncio.sleep(1)  # would any duplicate still sneak in?
    finally:
        await runner.stop()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM effects") == EVENTS
        assert await conn.fetchval("SELECT count(DISTINCT (key, seq)) FROM effects") == EVENTS
        assert await conn.fetchval("SELECT count(*) FROM inbox") == EVENTS
        rows = await conn.fetch("SELECT key, seq FROM effects ORDER BY applied")
    applied: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        applied[row["key"]].append(row["seq"])
    for key, seqs in applied.items():
        assert seqs == sorted(seqs), f"applied out of order for {key}"


async def _published_at_least(pool: asyncpg.Pool, n: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) >= $1 FROM outbox WHERE state = 'published'", n))


async def _backlog_empty(pool: asyncpg.Pool) -> bool:
    return (await backlog_of(pool))[0] == 0


async def _effects_at_least(pool: asyncpg.Pool, n: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) >= $1 FROM effects", n))
