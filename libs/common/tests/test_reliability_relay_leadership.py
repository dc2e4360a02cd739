"""Issue 19, item 4: two outbox relays on one schema (two replicas, each with its own pool). The
lock session of the leading relay is terminated (`pg_terminate_backend`) while it publishes: the
other takes over, the first notices before its next batch and stops, no row is published twice
(the topic is read back), order per key holds, and the backlog drains."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

import asyncpg
import pytest
from chasqui_common.db.pool import create_pool
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.outbox import Outbox, OutboxRelay
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records

EVENTS = 3000
KEYS = 30


class SlowSink:
    """The real producer, a little slower per message, so that batches are in flight for a while."""

    def __init__(self, sink: ProducerSink) -> None:
        self._sink = sink

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        await asyncio.sleep(0.001)
        return await self._sink.send(topic, key=key, value=value, headers=headers)


async def _until(check, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


# Slow (make test-all): under a loaded CI machine the takeover once exceeded 60 s; to investigate.
@pytest.mark.slow
async def test_a_relay_whose_lock_session_dies_stops_and_no_row_is_published_twice(
    pool: asyncpg.Pool,
    sink: ProducerSink,
    contract,
    kafka_bootstrap_servers: str,
    service_db,
    postgres_admin_dsn: str,
) -> None:  # type: ignore[no-untyped-def]
    outbox = Outbox("/chasqui/test", contract.catalogue)
    for batch in range(EVENTS // 500):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.record(
                conn,
                *[contract.model(key=f"k{n % KEYS:02d}", seq=batch * 500 + n) for n in range(500)],
            )
    other_pool = await create_pool(service_db.dsn, schema=service_db.schema, max_size=4)
    slow = SlowSink(sink)
    first = OutboxRelay(pool, slow, schema=service_db.schema, batch_size=100, poll_interval=0.1)
    second = OutboxRelay(other_pool, slow, schema=service_db.schema, batch_size=100, poll_interval=0.1)
    admin = await asyncpg.connect(postgres_admin_dsn)
    try:
        first.start()

        async def first_leads_and_published_some() -> bool:
            return first.leader and first.published >= 500

        await _until(first_leads_and_published_some, "the first relay to publish")
        second.start()
        await asyncio.sleep(0.3)
        assert not second.leader, "one relay publishes at a time"

        lock_pid = await admin.fetchval(
            """
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 1
              AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint
            """,
            first.lock_name,
        )
        assert lock_pid is not None
        published_before = first.published
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", lock_pid)

        async def second_leads() -> bool:
            return second.leader

        await _until(second_leads, "the second relay to take over")

        async def first_stepped_down() -> bool:
            return not first.leader

        # The first relay may still finish the batch it had in flight (its rows stay claimed, so
        # the second waits for them and skips them), then finds its lock session gone.
        await _until(first_stepped_down, "the first relay to step down", timeout=10)

        async def drained() -> bool:
            return bool(await pool.fetchval("SELECT count(*) = 0 FROM outbox WHERE state <> 'published'"))

        await _until(drained, "the outbox to drain", timeout=120)
        assert second.published > 0, "publishing continued on the second relay"
        assert first.published - published_before <= 100, "the first relay stopped after its batch in flight"
    finally:
        await asyncio.gather(first.stop(), second.stop())
        await admin.close()
        await other_pool.close()

    records = await collect_records(
        kafka_bootstrap_servers, contract.topic.name, count=EVENTS, timeout=60, idle_after_count=2
    )
    ids = [Envelope.from_kafka(r.headers, r.value).id for r in records]
    assert len(set(ids)) == EVENTS, "every event was published"
    assert len(ids) == EVENTS, f"{len(ids) - EVENTS} row(s) published twice"
    by_key: dict[bytes | None, list[int]] = defaultdict(list)
    for record in records:
        by_key[record.key].append(Envelope.from_kafka(record.headers, record.value).data["seq"])
    assert all(seqs == sorted(seqs) for seqs in by_key.values()), "order per key"
    assert first.published + second.published == EVENTS
