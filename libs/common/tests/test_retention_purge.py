"""Retention of the plumbing (docs/operations.md, Retention): published outbox rows older than
OUTBOX_RETENTION_HOURS and inbox rows older than INBOX_RETENTION_DAYS are purged; pending rows and
recent ones stay. Topics with personal data keep records 7 days (DLQ 14), and an existing topic
gets the catalogue's retention.ms."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.clock import FixedClock
from chasqui_common.db.pool import Connection
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retention import purge_once
from chasqui_common.topics import (
    ARCO_REQUESTS,
    DAY_MS,
    EMPLOYMENT_VACANCIES,
    PROGRAM_DECISIONS,
    REGISTRY_HOUSEHOLDS,
    TOPICS,
    Topic,
    ensure_topics,
)
from chasqui_local.pytest_plugin import MakeTopic

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def _outbox_row(conn: Connection, note: str, *, published_at: datetime | None) -> None:
    await conn.execute(
        """
        INSERT INTO outbox (event_id, event_type, topic, message_key, headers, body, recorded_at, state,
                            published_at)
        VALUES ($1, 'pe.chasqui.test.parcel.sent.v1', 't', 'k', '{}'::jsonb, $2, $3, $4, $5)
        """,
        uuid.uuid4(),
        json.dumps({"note": note}).encode(),
        (published_at or NOW) - timedelta(seconds=1),
        "published" if published_at else "pending",
        published_at,
    )


async def _inbox_row(conn: Connection, received_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO inbox (consumer, event_id, event_type, received_at) VALUES ('c', $1, 't', $2)",
        uuid.uuid4(),
        received_at,
    )


async def test_published_outbox_rows_past_retention_go_and_pending_ones_stay(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await _outbox_row(conn, "old published", published_at=NOW - timedelta(hours=25))
        await _outbox_row(conn, "recent published", published_at=NOW - timedelta(hours=23))
        await _outbox_row(conn, "pending for days", published_at=None)
        await conn.execute(
            "UPDATE outbox SET recorded_at = $1 WHERE state = 'pending'", NOW - timedelta(days=9)
        )
        await _inbox_row(conn, NOW - timedelta(days=101))
        await _inbox_row(conn, NOW - timedelta(days=99))

    purged = await purge_once(
        Transactions(pool, Outbox("/chasqui/test"), FixedClock(NOW)),
        outbox_retention=timedelta(hours=24),
        inbox_retention=timedelta(days=100),
    )

    assert (purged.outbox, purged.inbox) == (1, 1)
    async with pool.acquire() as conn:
        notes = sorted(json.loads(row["body"])["note"] for row in await conn.fetch("SELECT body FROM outbox"))
        inbox_ages = [
            (NOW - row["received_at"]).days for row in await conn.fetch("SELECT received_at FROM inbox")
        ]
    assert notes == ["pending for days", "recent published"]
    assert inbox_ages == [99]


async def test_purge_works_through_a_backlog_in_batches(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for index in range(7):
            await _outbox_row(conn, f"old {index}", published_at=NOW - timedelta(days=3))
            await _inbox_row(conn, NOW - timedelta(days=200))

    purged = await purge_once(
        Transactions(pool, Outbox("/chasqui/test"), FixedClock(NOW)),
        outbox_retention=timedelta(hours=24),
        inbox_retention=timedelta(days=100),
        batch=3,
    )

    assert (purged.outbox, purged.inbox) == (7, 7)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 0


def test_topics_with_personal_data_keep_records_seven_days_and_dead_letters_fourteen() -> None:
    personal = [t for t in (*TOPICS, *PROGRAM_DECISIONS) if t.personal_data]
    assert personal, "the catalogue has personal-data topics"
    assert {t.retention_ms for t in personal} == {7 * DAY_MS}
    assert {t.dlq.retention_ms for t in personal} == {14 * DAY_MS}
    assert REGISTRY_HOUSEHOLDS.retention_ms == 7 * DAY_MS
    assert EMPLOYMENT_VACANCIES.retention_ms == 30 * DAY_MS, "vacancies hold no personal data"
    assert EMPLOYMENT_VACANCIES.dlq.retention_ms == 90 * DAY_MS
    assert ARCO_REQUESTS.retention_ms == 3 * DAY_MS


async def _configs_of(
    bootstrap: str, name: str, *, set_first: dict[str, str] | None = None
) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if set_first:
            await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=set_first)])
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        return {entry[0]: str(entry[1]) for entry in response.resources[0][4]}
    finally:
        await admin.close()


async def test_an_existing_topic_gets_the_catalogue_retention(
    unique_topic: MakeTopic, kafka_bootstrap_servers: str
) -> None:
    name = unique_topic("retention")  # created with the broker's default retention
    await _configs_of(kafka_bootstrap_servers, name, set_first={"max.message.bytes": "2000000"})
    topic = Topic(name=name, owner="test", key="k", description="test", personal_data=True, partitions=3)

    await ensure_topics(kafka_bootstrap_servers, [topic], with_dlq=False)

    configs = await _configs_of(kafka_bootstrap_servers, name)
    assert configs["retention.ms"] == str(7 * DAY_MS)
    assert configs["max.message.bytes"] == "2000000", "the topic's other settings are kept"
