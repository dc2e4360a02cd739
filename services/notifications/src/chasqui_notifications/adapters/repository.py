"""The only module that speaks SQL: contact cards and deliveries in the service's schema."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus

from chasqui_notifications.domain.consent import ChannelConsent, ContactCard
from chasqui_notifications.domain.delivery import Delivery


@dataclass(frozen=True)
class ChannelStatusCount:
    """How many messages of one channel are in one status."""

    channel: str
    status: str
    count: int


def _delivery(row: asyncpg.Record) -> Delivery:
    return from_row(Delivery, row)


def _card(row: asyncpg.Record) -> ContactCard:
    raw = row["consent"]
    consent_json: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    consent = {DeliveryChannel(k): ChannelConsent.from_json(v) for k, v in consent_json.items()}
    return from_row(ContactCard, row, consent=consent)


async def card_for_update(conn: Connection, person_id: str) -> ContactCard:
    """The person's card, locked until the transaction ends (created empty if unknown)."""
    await conn.execute(
        "INSERT INTO contacts (person_id) VALUES ($1) ON CONFLICT (person_id) DO NOTHING", person_id
    )
    row = await conn.fetchrow("SELECT * FROM contacts WHERE person_id = $1 FOR UPDATE", person_id)
    assert row is not None
    return _card(row)


async def cards_for_update(conn: Connection, person_ids: list[str]) -> dict[str, ContactCard]:
    """`card_for_update` for many people (sorted, distinct) at once: locked in person order."""
    if not person_ids:
        return {}
    await conn.execute(
        "INSERT INTO contacts (person_id) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (person_id) DO NOTHING",
        person_ids,
    )
    rows = await conn.fetch(
        "SELECT * FROM contacts WHERE person_id = ANY($1::text[]) ORDER BY person_id FOR UPDATE", person_ids
    )
    return {row["person_id"]: _card(row) for row in rows}


async def save_cards(conn: Connection, cards: list[ContactCard]) -> None:
    """`save_card` for many cards in one statement."""
    if not cards:
        return
    await conn.execute(
        """
        UPDATE contacts AS c SET given_names = n.given_names, phone = n.phone, email = n.email,
               contact_at = n.contact_at, consent = n.consent::jsonb,
               employment_contact = n.employment_contact, language = n.language, updated_at = now()
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                    $7::boolean[], $8::text[])
             AS n(person_id, given_names, phone, email, contact_at, consent, employment_contact, language)
        WHERE c.person_id = n.person_id
        """,
        [c.person_id for c in cards],
        [c.given_names for c in cards],
        [c.phone for c in cards],
        [c.email for c in cards],
        [c.contact_at for c in cards],
        [json.dumps({ch.value: v.to_json() for ch, v in c.consent.items()}) for c in cards],
        [c.employment_contact for c in cards],
        [c.language for c in cards],
    )


@dataclass(frozen=True)
class NewDelivery:
    """A message to record (see `insert_delivery`)."""

    delivery_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    person_id: str
    channel: DeliveryChannel
    template: str
    language: str
    needs_employment_contact: bool
    subject: str | None
    body_text: str
    body_html: str | None
    status: DeliveryStatus
    reason: str | None


async def insert_deliveries(conn: Connection, new: list[NewDelivery]) -> dict[uuid.UUID, Delivery]:
    """`insert_delivery` for many messages in one statement, in order: a message whose (event,
    person, channel) was recorded before, or earlier in `new`, is skipped. Returns those recorded."""
    if not new:
        return {}
    rows = await conn.fetch(
        """
        INSERT INTO deliveries (delivery_id, event_id, event_type, person_id, channel, template,
                                language, needs_employment_contact, subject, body_text, body_html,
                                status, reason)
        SELECT delivery_id, event_id, event_type, person_id, channel, template, language,
               needs_employment_contact, subject, body_text, body_html, status, reason
        FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::text[], $8::boolean[], $9::text[], $10::text[], $11::text[],
                             $12::text[], $13::text[]) WITH ORDINALITY
                 AS d(delivery_id, event_id, event_type, person_id, channel, template, language,
                      needs_employment_contact, subject, body_text, body_html, status, reason, n)
        ORDER BY n
        ON CONFLICT ON CONSTRAINT deliveries_once DO NOTHING
        RETURNING delivery_id, attempts, not_before, created_at, updated_at, sent_at
        """,
        [d.delivery_id for d in new],
        [d.event_id for d in new],
        [d.event_type for d in new],
        [d.person_id for d in new],
        [d.channel.value for d in new],
        [d.template for d in new],
        [d.language for d in new],
        [d.needs_employment_contact for d in new],
        [d.subject for d in new],
        [d.body_text for d in new],
        [d.body_html for d in new],
        [d.status.value for d in new],
        [d.reason for d in new],
    )
    # What was inserted is what `new` holds; only the columns the database filled come back (the
    # message bodies are not sent back and decoded again).
    given = {d.delivery_id: d for d in new}
    recorded: dict[uuid.UUID, Delivery] = {}
    for delivery_id, attempts, not_before, created_at, updated_at, sent_at in rows:
        d = given[delivery_id]
        recorded[delivery_id] = Delivery(
            delivery_id,
            d.event_id,
            d.event_type,
            d.person_id,
            d.channel,
            d.template,
            d.language,
            d.needs_employment_contact,
            d.subject,
            d.body_text,
            d.body_html,
            d.status.value,
            d.reason,
            attempts,
            not_before,
            created_at,
            updated_at,
            sent_at,
        )
    return recorded


async def listen_for_deliveries(pool: asyncpg.Pool, wake: Callable[[], None], *, check: float = 30.0) -> None:
    """Call `wake` whenever a transaction that inserted deliveries commits (the trigger of
    migration 0003 notifies), until the listening connection fails (raises) or the caller is
    cancelled. Holds one connection of the pool; checks it every `check` seconds."""
    async with pool.acquire() as conn:
        channel: str = await conn.fetchval("SELECT 'chasqui_deliveries_' || current_schema()")

        def notified(*_: object) -> None:
            wake()

        await conn.add_listener(channel, notified)
        try:
            wake()  # anything queued while nobody listened
            while True:
                await asyncio.sleep(check)
                await conn.fetchval("SELECT 1", timeout=5)
        finally:
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.remove_listener(channel, notified)


async def card(conn: Connection, person_id: str) -> ContactCard | None:
    row = await conn.fetchrow("SELECT * FROM contacts WHERE person_id = $1", person_id)
    return _card(row) if row is not None else None


async def save_card(conn: Connection, card: ContactCard) -> None:
    await conn.execute(
        """
        UPDATE contacts SET given_names = $2, phone = $3, email = $4, contact_at = $5,
               consent = $6::jsonb, employment_contact = $7, language = $8, updated_at = now()
        WHERE person_id = $1
        """,
        card.person_id,
        card.given_names,
        card.phone,
        card.email,
        card.contact_at,
        json.dumps({ch.value: c.to_json() for ch, c in card.consent.items()}),
        card.employment_contact,
        card.language,
    )


async def insert_delivery(
    conn: Connection,
    *,
    event_id: uuid.UUID,
    event_type: str,
    person_id: str,
    channel: DeliveryChannel,
    template: str,
    language: str,
    needs_employment_contact: bool,
    subject: str | None,
    body_text: str,
    body_html: str | None,
    status: DeliveryStatus,
    reason: str | None,
) -> uuid.UUID | None:
    """Record a message; None if this (event, person, channel) was recorded before."""
    value: uuid.UUID | None = await conn.fetchval(
        """
        INSERT INTO deliveries (delivery_id, event_id, event_type, person_id, channel, template,
                                language, needs_employment_contact, subject, body_text, body_html,
                                status, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT ON CONSTRAINT deliveries_once DO NOTHING
        RETURNING delivery_id
        """,
        uuid.uuid4(),
        event_id,
        event_type,
        person_id,
        channel.value,
        template,
        language,
        needs_employment_contact,
        subject,
        body_text,
        body_html,
        status.value,
        reason,
    )
    return value


async def claim_due(conn: Connection, channel: DeliveryChannel, now: datetime, limit: int) -> list[Delivery]:
    """Due messages of one channel, locked for this transaction; rows another dispatcher holds are skipped."""
    rows = await conn.fetch(
        """
        SELECT * FROM deliveries
        WHERE status IN ('queued', 'deferred_quiet_hours') AND channel = $1
          AND (not_before IS NULL OR not_before <= $2)
        ORDER BY not_before NULLS FIRST, created_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED
        """,
        channel.value,
        now,
        limit,
    )
    return [_delivery(row) for row in rows]


async def claim_interrupted(conn: Connection, now: datetime, limit: int) -> list[Delivery]:
    rows = await conn.fetch(
        """
        SELECT * FROM deliveries WHERE status = 'sending' AND lease_until < $1
        ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED
        """,
        now,
        limit,
    )
    return [_delivery(row) for row in rows]


async def pending_for_person(
    conn: Connection, person_id: str, channels: list[DeliveryChannel]
) -> list[Delivery]:
    """Messages not yet handed to a provider, locked (withdrawing consent suppresses them)."""
    rows = await conn.fetch(
        """
        SELECT * FROM deliveries
        WHERE person_id = $1 AND channel = ANY($2::text[])
          AND status IN ('queued', 'deferred_quiet_hours')
        FOR UPDATE
        """,
        person_id,
        [c.value for c in channels],
    )
    return [_delivery(row) for row in rows]


async def update_status(
    conn: Connection,
    delivery_id: uuid.UUID,
    status: str,
    *,
    reason: str | None = None,
    not_before: datetime | None = None,
    lease_until: datetime | None = None,
    attempts: int | None = None,
    sent_at: datetime | None = None,
    provider_message_id: str | None = None,
    expect: str | None = None,
) -> bool:
    """Move a message to `status`; with `expect`, only if it is still in that status."""
    result = await conn.execute(
        """
        UPDATE deliveries SET status = $2, reason = $3, not_before = $4, lease_until = $5,
               attempts = COALESCE($6, attempts), sent_at = COALESCE($7, sent_at),
               provider_message_id = COALESCE($8, provider_message_id), updated_at = now()
        WHERE delivery_id = $1 AND ($9::text IS NULL OR status = $9)
        """,
        delivery_id,
        status,
        reason,
        not_before,
        lease_until,
        attempts,
        sent_at,
        provider_message_id,
        expect,
    )
    return bool(result.endswith(" 1"))


async def history(conn: Connection, person_id: str, limit: int) -> list[Delivery]:
    rows = await conn.fetch(
        "SELECT * FROM deliveries WHERE person_id = $1 ORDER BY created_at DESC, channel LIMIT $2",
        person_id,
        limit,
    )
    return [_delivery(row) for row in rows]


async def summary(conn: Connection) -> list[ChannelStatusCount]:
    rows = await conn.fetch(
        "SELECT channel, status, count(*) AS n FROM deliveries GROUP BY channel, status ORDER BY 1, 2"
    )
    return [ChannelStatusCount(row["channel"], row["status"], int(row["n"])) for row in rows]


async def delivery(conn: Connection, delivery_id: uuid.UUID) -> Delivery:
    row = await conn.fetchrow("SELECT * FROM deliveries WHERE delivery_id = $1", delivery_id)
    if row is None:
        raise LookupError(f"delivery {delivery_id} does not exist")
    return _delivery(row)


@dataclass(frozen=True)
class AwaitingNotice:
    """An event that asked to tell `person_id` something before their contact card existed."""

    event_id: uuid.UUID
    event_type: str
    person_id: str
    event_time: datetime
    body: str  # the event's data, JSON text as it travelled (validated again when read back)


AWAITING_DAYS = 30
"""How long a notice waits for its person's card before it is dropped (docs/notifications.md)."""


async def park_notices(conn: Connection, notices: list[AwaitingNotice]) -> int:
    """Keep notices until their person's card arrives (one per event and person); drops those
    that waited more than AWAITING_DAYS. Returns how many were dropped."""
    dropped = await conn.fetchval(
        "WITH gone AS (DELETE FROM awaiting_contact WHERE received_at < now() - make_interval(days => $1) "
        "RETURNING 1) SELECT count(*) FROM gone",
        AWAITING_DAYS,
    )
    if notices:
        await conn.execute(
            """
            INSERT INTO awaiting_contact (event_id, event_type, person_id, event_time, body)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[])
            ON CONFLICT (person_id, event_id) DO NOTHING
            """,
            [n.event_id for n in notices],
            [n.event_type for n in notices],
            [n.person_id for n in notices],
            [n.event_time for n in notices],
            [n.body for n in notices],
        )
    return int(dropped or 0)


async def take_awaiting(conn: Connection, person_ids: list[str]) -> list[AwaitingNotice]:
    """Remove and return the notices waiting for these people, oldest first."""
    if not person_ids:
        return []
    rows = await conn.fetch(
        "DELETE FROM awaiting_contact WHERE person_id = ANY($1::text[]) "
        "RETURNING event_id, event_type, person_id, event_time, body::text AS body, received_at",
        person_ids,
    )
    ordered = sorted(rows, key=lambda r: (r["received_at"], r["event_time"], str(r["event_id"])))
    return [
        AwaitingNotice(
            event_id=r["event_id"],
            event_type=r["event_type"],
            person_id=r["person_id"],
            event_time=r["event_time"],
            body=r["body"],
        )
        for r in ordered
    ]
