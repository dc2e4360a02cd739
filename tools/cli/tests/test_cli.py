"""`chasqui` against the real Kafka and PostgreSQL: dead letters end to end (a failed event replayed
and then applied by its consumer), out-of-order replay and purge bookkeeping, topics, lag, outbox
and one-line errors."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records

from .conftest import Cli, Contract


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def envelope(contract: Contract, key: str, seq: int) -> Envelope:
    return Outbox("/chasqui/test", contract.catalogue).envelope(contract.model(key=key, seq=seq))


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes, list[Any]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value, headers in messages:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_a_dead_lettered_event_is_replayed_once_and_then_applied_by_its_consumer(
    cli: Cli,
    contract: Contract,
    pool: asyncpg.Pool,
    sink: ProducerSink,
    kafka_bootstrap_servers: str,
    service_db: Any,
) -> None:
    topic, dlq = contract.topic.name, contract.topic.dlq.name
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (key text, seq int PRIMARY KEY)")
    doomed, fine = envelope(contract, "hh-doomed", 1), envelope(contract, "hh-fine", 2)
    await produce(
        kafka_bootstrap_servers,
        topic,
        [
            (b"hh-doomed", doomed.body(), doomed.kafka_headers()),
            (b"hh-fine", fine.body(), fine.kafka_headers()),
        ],
    )

    # The handler fails permanently the first time it sees the doomed parcel (say, a bug since fixed).
    broken = {"hh-doomed": True}
    consumer = EventConsumer(
        f"cli-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel: Any) -> None:
        if broken.pop(parcel.key, False):
            raise ValueError(f"cannot handle parcel {parcel.seq} yet")
        await uow.conn.execute("INSERT INTO effects VALUES ($1, $2)", parcel.key, parcel.seq)

    consumer.bind(pool, Outbox("/chasqui/test", contract.catalogue), sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:

        async def pending() -> int:
            [row] = (await cli("dlq", "list", topic, "--json")).json()
            return int(row["pending"])

        await eventually(
            lambda: pool.fetchval("SELECT count(*) FROM effects WHERE key = 'hh-fine'"), "hh-fine"
        )
        await eventually(pending, "the dead letter")
        [row] = (await cli("dlq", "list", dlq, "--json")).json()
        assert row == {
            "topic": dlq,
            "original_topic": topic,
            "partitions": 1,
            "total": 1,
            "handled": 0,
            "pending": 1,
        }

        shown = (await cli("dlq", "show", topic, "--json")).json()
        [letter] = shown["messages"]
        assert letter["reason"] == "handler.failed"
        assert "ValueError: cannot handle parcel 1 yet" in letter["detail"]
        assert letter["original_topic"] == topic
        assert letter["original_offset"] == 0
        assert letter["consumer"] == consumer.name
        assert letter["attempts"] == 1
        assert letter["failed_at"].endswith("Z")
        assert letter["event_id"] == str(doomed.id)
        assert letter["key"] == "hh-doomed"
        assert letter["pending"] is True
        table = await cli("dlq", "show", topic)
        assert table.code == 0
        for text in ("handler.failed", "cannot handle parcel 1 yet", consumer.name, "pending"):
            assert text in table.stdout

        replayed = (await cli("dlq", "replay", topic, "--all", "--json")).json()
        [item] = replayed["replayed"]
        assert item["topic"] == topic
        assert item["event_id"] == str(doomed.id)

        # The consumer applies the replayed event: its effect and its inbox row are there.
        await eventually(
            lambda: pool.fetchval("SELECT count(*) FROM effects WHERE key = 'hh-doomed'"),
            "the replayed event",
        )
        assert (
            await pool.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2", consumer.name, doomed.id
            )
            == 1
        )
        assert await pending() == 0

        # Replay is recorded: a second replay re-publishes nothing.
        again = (await cli("dlq", "replay", topic, "--all", "--json")).json()
        assert again["replayed"] == []
        assert "nothing pending" in again["notes"][0]
        single = await cli("dlq", "replay", topic, "--offset", "0")
        assert single.code == 0
        assert "already replayed" in single.stdout

        records = await collect_records(
            kafka_bootstrap_servers, topic, count=3, timeout=10, idle_after_count=1
        )
        assert len(records) == 3, "the original two plus exactly one replay"
        replay = next(r for r in records if r.partition == item["partition"] and r.offset == item["offset"])
        headers = dict(replay.headers)
        assert not [name for name in headers if name.startswith("dlq_")], "dlq_* headers are dropped"
        assert headers["ce_id"] == str(doomed.id).encode()
        assert replay.key == b"hh-doomed"
        assert replay.value == doomed.body()

        async def caught_up() -> bool:
            rows = (await cli("lag", consumer.name, "--json")).json()
            return bool(rows) and all(row["lag"] == 0 and row["topic"] == topic for row in rows)

        await eventually(caught_up, "the consumer group to commit")
        lag_table = await cli("lag", consumer.name)
        assert lag_table.code == 0
        assert consumer.name in lag_table.stdout
        assert "total lag" in lag_table.stdout
    finally:
        await runner.stop()


def _dead_letter_headers(topic: str, offset: int, reason: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_type", b"pe.chasqui.test.parcel.sent.v1"),
        ("dlq_reason", reason.encode()),
        ("dlq_detail", b"detail"),
        ("dlq_original_topic", topic.encode()),
        ("dlq_original_partition", b"0"),
        ("dlq_original_offset", str(offset).encode()),
        ("dlq_consumer", b"someone"),
        ("dlq_attempts", b"0"),
        ("dlq_failed_at", b"2026-01-01T00:00:00Z"),
    ]


async def test_out_of_order_replay_and_purge_are_recorded_per_dead_letter(
    cli: Cli, contract: Contract, kafka_bootstrap_servers: str
) -> None:
    topic, dlq = contract.topic.name, contract.topic.dlq.name
    await produce(
        kafka_bootstrap_servers,
        dlq,
        [
            (f"k{i}".encode(), f'{{"seq": {i}}}'.encode(), _dead_letter_headers(topic, i, "body.not_json"))
            for i in range(4)
        ],
    )

    replayed = (await cli("dlq", "replay", dlq, "--offset", "2", "--json")).json()["replayed"]
    assert [item["dlq_offset"] for item in replayed] == [2]
    [row] = (await cli("dlq", "list", topic, "--json")).json()
    assert (row["total"], row["handled"], row["pending"]) == (4, 1, 3)
    shown = (await cli("dlq", "show", topic, "--json")).json()["messages"]
    assert [letter["offset"] for letter in shown] == [0, 1, 3]
    everything = (await cli("dlq", "show", topic, "--all", "--limit", "10", "--json")).json()["messages"]
    assert [(m["offset"], m["pending"]) for m in everything] == [(0, True), (1, True), (2, False), (3, True)]

    replayed = (await cli("dlq", "replay", dlq, "--offset", "0", "--json")).json()["replayed"]
    assert [item["dlq_offset"] for item in replayed] == [0]
    [row] = (await cli("dlq", "list", topic, "--json")).json()
    assert row["pending"] == 2

    # Purge asks first; "no" keeps everything pending.
    refused = await cli("dlq", "purge", topic, stdin="n\n")
    assert refused.code == 1
    assert "cancelled" in refused.stderr
    assert (await cli("dlq", "list", topic, "--json")).json()[0]["pending"] == 2
    purged = (await cli("dlq", "purge", topic, "--yes", "--json")).json()
    assert purged == {"topic": dlq, "purged": 2}
    [row] = (await cli("dlq", "list", topic, "--json")).json()
    assert (row["total"], row["handled"], row["pending"]) == (4, 4, 0)
    nothing = (await cli("dlq", "replay", topic, "--all", "--json")).json()
    assert nothing["replayed"] == []

    # Only offsets 2 and 0 went back to the original topic, in that order, without dlq_* headers.
    records = await collect_records(kafka_bootstrap_servers, topic, count=2, timeout=10, idle_after_count=1)
    assert sorted(r.value for r in records) == [b'{"seq": 0}', b'{"seq": 2}']
    assert all(not name.startswith("dlq_") for r in records for name, _ in r.headers)

    # A dead letter arriving after the purge is pending again.
    await produce(
        kafka_bootstrap_servers, dlq, [(b"k9", b"{}", _dead_letter_headers(topic, 9, "type.unknown"))]
    )
    assert (await cli("dlq", "list", topic, "--json")).json()[0]["pending"] == 1
    bad = await cli("dlq", "replay", topic, "--offset", "99")
    assert bad.code == 1
    assert "there is no offset 99" in bad.stderr


async def test_topics_list_and_describe(cli: Cli, contract: Contract, kafka_bootstrap_servers: str) -> None:
    topic = contract.topic.name
    envelopes = [envelope(contract, f"hh-{i}", i) for i in range(3)]
    await produce(kafka_bootstrap_servers, topic, [(b"k", e.body(), e.kafka_headers()) for e in envelopes])
    rows = {row["name"]: row for row in (await cli("topics", "list", "--json")).json()}
    assert rows[topic]["partitions"] == 2
    assert rows[topic]["messages"] == 3
    assert rows[contract.topic.dlq.name]["dead_letters"] is True
    assert rows["registry.households"]["owner"] == "registry" if "registry.households" in rows else True
    detail = (await cli("topics", "describe", topic, "--json")).json()
    assert [p["partition"] for p in detail["partitions"]] == [0, 1]
    assert sum(p["messages"] for p in detail["partitions"]) == 3
    assert detail["configs"]["cleanup.policy"] == "delete"
    table = await cli("topics", "describe", topic)
    assert table.code == 0
    assert "partitions" in table.stdout
    listed = await cli("topics", "list")
    assert listed.code == 0
    assert topic in listed.stdout


async def test_outbox_backlog_per_service_schema(cli: Cli, pool: asyncpg.Pool, service_db: Any) -> None:
    from chasqui_common.events import CATALOGUE
    from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus, DeliveryStatusChanged

    assert CATALOGUE.spec_for(DeliveryStatusChanged)
    event = DeliveryStatusChanged(
        delivery_id="d-1",
        person_id="p-1",
        channel=DeliveryChannel.SMS,
        status=DeliveryStatus.QUEUED,
        template="test",
        event_id=str(uuid.uuid4()),
        event_type="pe.chasqui.test.parcel.sent.v1",
        occurred_at="2026-01-01T00:00:00Z",
    )
    async with pool.acquire() as conn, conn.transaction():
        await Outbox("/chasqui/test").record(conn, event, event)
    await pool.execute("UPDATE outbox SET recorded_at = now() - interval '30 minutes'")
    [row] = (await cli("outbox", service_db.schema, "--json")).json()
    assert row["schema"] == service_db.schema
    assert row["pending"] == 2
    assert row["published_kept"] == 0
    assert 1795 <= row["oldest_age_seconds"] < 1820
    table = await cli("outbox", service_db.schema)
    assert table.code == 0, table.stderr
    assert service_db.schema in table.stdout, table.stdout
    assert "30m" in table.stdout, table.stdout
    missing = await cli("outbox", "no_such_schema")
    assert missing.code == 1
    assert "no outbox table in schema 'no_such_schema'" in missing.stderr


async def test_errors_are_one_clear_line(cli: Cli) -> None:
    down = await cli("lag", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert down.code == 1
    assert down.stderr.startswith("chasqui: cannot reach Kafka at 127.0.0.1:1")
    assert len(down.stderr.strip().splitlines()) == 1
    assert "Traceback" not in down.stderr
    unknown = await cli("topics", "describe", f"no.such.{uuid.uuid4().hex[:6]}")
    assert unknown.code == 1
    assert "does not exist on the broker" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    which = await cli("dlq", "replay", "registry.households")
    assert which.code == 1
    assert "--offset N (one) or --all" in which.stderr
    db = await cli("outbox", DATABASE_ADMIN_URL="postgresql://x:y@127.0.0.1:1/chasqui")
    assert db.code == 1
    assert "cannot connect to PostgreSQL" in db.stderr
    assert "x:y" not in db.stderr
    group = await cli("lag", "no-such-group")
    assert group.code == 1
    assert "consumer group 'no-such-group' is unknown" in group.stderr
