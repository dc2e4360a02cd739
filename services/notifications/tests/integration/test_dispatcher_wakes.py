"""The dispatcher wakes when a transaction that queued a message commits (LISTEN/NOTIFY), instead
of waiting for its next poll; the poll stays as the fallback."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.bootstrap import migrate
from chasqui_common.db.pool import create_pool
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus
from chasqui_common.messaging.outbox import Outbox
from chasqui_notifications.adapters import repository
from chasqui_notifications.application.dispatcher import Dispatcher
from chasqui_notifications.domain.consent import ChannelConsent, ContactCard
from chasqui_notifications.domain.quiet_hours import QuietHours
from chasqui_notifications.main import build_definition

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Recording:
    idempotent = True

    def __init__(self, channel: DeliveryChannel) -> None:
        self.channel = channel
        self.name = f"recording-{channel.value}"
        self.sent: list[tuple[uuid.UUID, float]] = []
        self.arrived = asyncio.Event()

    async def send(self, message: Any) -> str | None:
        self.sent.append((message.delivery_id, time.monotonic()))
        self.arrived.set()
        return None

    async def close(self) -> None:
        return None


async def test_a_queued_message_is_sent_long_before_the_next_poll(service_db) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(service_db.dsn, schema=service_db.schema, min_size=1, max_size=4)
    sms = Recording(DeliveryChannel.SMS)
    dispatcher = Dispatcher(
        Transactions(pool, Outbox("/chasqui/notifications")),
        {DeliveryChannel.SMS: sms},
        quiet_hours=QuietHours(channels=frozenset()),
        poll_seconds=30.0,
    )
    running: asyncio.Task[None] | None = None
    try:
        await migrate(build_definition(consumer_name=f"n-{service_db.schema}"), pool, service_db.schema)
        running = asyncio.create_task(dispatcher.run())
        await asyncio.sleep(1.0)  # the first round ran and found nothing: it waits up to 30 s now
        delivery_id = uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            card = ContactCard(
                "P-1",
                given_names="Rosa",
                phone="+51987654321",
                consent={DeliveryChannel.SMS: ChannelConsent(granted=True, decided_at=datetime.now(UTC))},
            )
            await repository.cards_for_update(conn, ["P-1"])
            await repository.save_cards(conn, [card])
            await repository.insert_deliveries(
                conn,
                [
                    repository.NewDelivery(
                        delivery_id,
                        uuid.uuid4(),
                        "test",
                        "P-1",
                        DeliveryChannel.SMS,
                        "eligibility.decision_gained",
                        "es",
                        False,
                        None,
                        "Hola Rosa",
                        None,
                        DeliveryStatus.QUEUED,
                        None,
                    )
                ],
            )
            committed = time.monotonic()
        await asyncio.wait_for(sms.arrived.wait(), 5)  # the poll would take 30 s
        assert sms.sent[0][0] == delivery_id
        assert sms.sent[0][1] - committed < 1.0
    finally:
        if running is not None:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        await pool.close()
