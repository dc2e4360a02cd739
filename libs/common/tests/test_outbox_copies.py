"""An event type may ask for a copy on a second topic chosen by its payload (EventSpec.copy_to, e.g.
a program's own decisions topic): the outbox records it, in the same transaction, as its own event
with the same type, subject, data and causation (ADR 0008)."""

from __future__ import annotations

import json

import asyncpg
import pytest
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.catalogue import EventCatalogue, EventPayload
from chasqui_common.messaging.consumer import publish_caused
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import Topic


def _topic(name: str) -> Topic:
    return Topic(name=name, owner="test", key="key", description="test", personal_data=False)


MAIN, RED, BLUE = _topic("test.parcels"), _topic("test.parcels.red"), _topic("test.parcels.blue")
CATALOGUE = EventCatalogue()


def _colour_topic(payload: Painted) -> Topic | None:
    return {"red": RED, "blue": BLUE}.get(payload.colour)


@CATALOGUE.event(
    "pe.chasqui.test.parcel.painted.v1",
    topic=MAIN,
    subject="key",
    copy_to=_colour_topic,
    copy_topics=(RED, BLUE),
)
class Painted(EventPayload):
    """A test event: parcel `key` was painted `colour`."""

    key: str
    colour: str


async def _rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT event_id, event_type, topic, message_key, headers, body FROM outbox ORDER BY position"
    )


async def test_record_writes_the_event_and_its_copy_each_with_its_own_id(pool: asyncpg.Pool) -> None:
    outbox = Outbox("/chasqui/test", CATALOGUE)
    async with pool.acquire() as conn, conn.transaction():
        envelopes = await outbox.record(
            conn, Painted(key="p-1", colour="red"), Painted(key="p-2", colour="green")
        )
    rows = await _rows(pool)
    assert [(r["topic"], r["message_key"]) for r in rows] == [
        ("test.parcels", "p-1"),
        ("test.parcels", "p-2"),
        ("test.parcels.red", "p-1"),
    ], "green has no copy topic: no copy"
    assert [r["event_id"] for r in rows[:2]] == [e.id for e in envelopes]
    assert rows[2]["event_id"] not in {e.id for e in envelopes}
    assert rows[2]["body"] == rows[0]["body"]
    assert rows[2]["event_type"] == rows[0]["event_type"] == "pe.chasqui.test.parcel.painted.v1"


async def test_a_batch_handlers_copies_carry_their_cause(pool: asyncpg.Pool) -> None:
    outbox = Outbox("/chasqui/test", CATALOGUE)
    cause = outbox.envelope(Painted(key="p-0", colour="none"))
    async with pool.acquire() as conn, conn.transaction():
        await publish_caused(UnitOfWork(conn, outbox), [(cause, [Painted(key="p-3", colour="blue")])])
    rows = await _rows(pool)
    assert [r["topic"] for r in rows] == ["test.parcels", "test.parcels.blue"]
    headers = [json.loads(r["headers"]) for r in rows]
    assert {h["ce_causationid"] for h in headers} == {str(cause.id)}
    assert headers[0]["ce_id"] != headers[1]["ce_id"]


def test_a_copy_topic_missing_from_the_declared_list_is_refused() -> None:
    """The generated contracts list `copy_topics`: a copy elsewhere would be undocumented."""
    catalogue = EventCatalogue()

    @catalogue.event(
        "pe.chasqui.test.parcel.stamped.v1",
        topic=MAIN,
        subject="key",
        copy_to=lambda p: RED,
        copy_topics=(BLUE,),
    )
    class Stamped(EventPayload):
        """A test event."""

        key: str

    with pytest.raises(LookupError, match=r"test\.parcels\.red"):
        catalogue.spec_for(Stamped).copies_of(Stamped(key="p-9"))
