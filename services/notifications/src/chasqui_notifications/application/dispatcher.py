"""The dispatcher: sends queued messages, outside any Kafka transaction, at most once each.

A round claims due messages of a channel with FOR UPDATE SKIP LOCKED, re-checks consent (a
withdrawal counts up to the last moment) and quiet hours, and marks the rest `sending` with a
lease, in one transaction that also records their status events. Only then are providers
called; each outcome is written back in its own transaction, guarded by the `sending` status.
Two dispatchers (two replicas) never claim the same row, and a row once sent is never sent
again. A lease that runs out means a dispatcher died mid-send: the message is retried only
through a provider that deduplicates on the delivery id; otherwise it is recorded as failed
rather than risk a second message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus
from chasqui_common.messaging.outbox import Outbox

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    Transport,
)
from chasqui_notifications.adapters.repository import SENDING, Delivery
from chasqui_notifications.application.status import status_changed
from chasqui_notifications.domain.delivery import RetrySchedule, consent_refusal
from chasqui_notifications.domain.quiet_hours import QuietHours
from chasqui_notifications.domain.rate_limit import TokenBucket

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Claimed:
    delivery: Delivery
    address: str
    attempt: int


@dataclass
class Dispatcher:
    pool: asyncpg.Pool
    outbox: Outbox
    transports: dict[DeliveryChannel, Transport]
    clock: Clock = system_clock
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    retry: RetrySchedule = field(default_factory=RetrySchedule)
    buckets: dict[DeliveryChannel, TokenBucket] = field(default_factory=dict)
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=120)
    poll_seconds: float = 1.0
    concurrency: int = 8
    sent: int = 0

    async def run(self) -> None:
        while True:
            try:
                worked = await self.dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatch round failed; retrying")
                worked = 0
            if not worked:
                await asyncio.sleep(self.poll_seconds)

    async def dispatch_once(self) -> int:
        """One round over every channel; returns how many messages were handled."""
        await self.recover_interrupted()
        handled = await asyncio.gather(*(self._channel_round(ch) for ch in self.transports))
        return sum(handled)

    async def _channel_round(self, channel: DeliveryChannel) -> int:
        claimed = await self._claim(channel)
        limit = asyncio.Semaphore(self.concurrency)

        async def send(item: Claimed) -> None:
            async with limit:
                await self._take_token(channel)
                await self._send(item)

        await asyncio.gather(*(send(item) for item in claimed))
        return len(claimed)

    async def _claim(self, channel: DeliveryChannel) -> list[Claimed]:
        now = self.clock()
        claimed: list[Claimed] = []
        async with self.pool.acquire() as conn, conn.transaction():
            for delivery in await repository.claim_due(conn, channel, now, self.batch_size):
                card = await repository.card(conn, delivery.person_id)
                refusal = (
                    "no contact card"
                    if card is None
                    else consent_refusal(
                        card, channel, needs_employment_contact=delivery.needs_employment_contact
                    )
                )
                if refusal is not None:
                    await repository.update_status(
                        conn, delivery.delivery_id, "suppressed_consent", reason=refusal
                    )
                    await self.outbox.record(
                        conn,
                        status_changed(delivery, DeliveryStatus.SUPPRESSED_CONSENT, reason=refusal, at=now),
                    )
                    continue
                assert card is not None
                address = card.address_for(channel)
                if not address:
                    reason = f"no {channel.value} address on file"
                    await repository.update_status(conn, delivery.delivery_id, "failed", reason=reason)
                    await self.outbox.record(
                        conn, status_changed(delivery, DeliveryStatus.FAILED, reason=reason)
                    )
                    continue
                hold = self.quiet_hours.hold_until(channel, now)
                if hold is not None:
                    reason = "quiet hours 21:00-08:00 America/Lima"
                    await repository.update_status(
                        conn, delivery.delivery_id, "deferred_quiet_hours", reason=reason, not_before=hold
                    )
                    if delivery.status != DeliveryStatus.DEFERRED_QUIET_HOURS:
                        await self.outbox.record(
                            conn,
                            status_changed(
                                delivery,
                                DeliveryStatus.DEFERRED_QUIET_HOURS,
                                reason=reason,
                                not_before=hold,
                                at=now,
                            ),
                        )
                    continue
                attempt = delivery.attempts + 1
                await repository.update_status(
                    conn,
                    delivery.delivery_id,
                    SENDING,
                    reason=delivery.reason,
                    lease_until=now + self.lease,
                    attempts=attempt,
                )
                claimed.append(Claimed(delivery, address, attempt))
        return claimed

    async def _take_token(self, channel: DeliveryChannel) -> None:
        bucket = self.buckets.get(channel)
        if bucket is None:
            return
        while True:
            wait = bucket.take(time.monotonic())
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _send(self, item: Claimed) -> None:
        delivery = item.delivery
        transport = self.transports[delivery.channel]
        message = OutgoingMessage(
            delivery_id=delivery.delivery_id,
            channel=delivery.channel,
            to=item.address,
            text=delivery.body_text,
            template=delivery.template,
            subject=delivery.subject,
            html=delivery.body_html,
        )
        provider_id: str | None = None
        retry_at: datetime | None = None
        try:
            provider_id = await transport.send(message)
            status, reason = DeliveryStatus.SENT, None
        except PermanentFailure as exc:
            status, reason = DeliveryStatus.FAILED, exc.reason
        except (TransientFailure, Exception) as exc:
            reason = exc.reason if isinstance(exc, TransientFailure) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, TransientFailure):
                log.exception("transport %s raised unexpectedly for %s", transport.name, delivery.delivery_id)
            if self.retry.gives_up(item.attempt):
                status, reason = DeliveryStatus.FAILED, f"gave up after {item.attempt} attempts: {reason}"
            else:
                status = DeliveryStatus.QUEUED
                delay = self.retry.delay(item.attempt)
                if isinstance(exc, TransientFailure) and exc.retry_after:
                    delay = max(delay, exc.retry_after)
                retry_at = self.clock() + timedelta(seconds=delay)
        now = self.clock()
        async with self.pool.acquire() as conn, conn.transaction():
            moved = await repository.update_status(
                conn,
                delivery.delivery_id,
                status.value,
                reason=reason,
                not_before=retry_at,
                sent_at=now if status is DeliveryStatus.SENT else None,
                provider_message_id=provider_id,
                expect=SENDING,
            )
            if not moved:
                log.warning(
                    "delivery %s left 'sending' before its outcome (%s) was recorded",
                    delivery.delivery_id,
                    status,
                )
                return
            if status is not DeliveryStatus.QUEUED:  # a retry is not a new status for observers
                await self.outbox.record(
                    conn, status_changed(delivery, status, reason=reason, attempts=item.attempt, at=now)
                )
        if status is DeliveryStatus.SENT:
            self.sent += 1
        log.info(
            "delivery %s %s via %s (attempt %d)%s",
            delivery.delivery_id,
            status.value if status is not DeliveryStatus.QUEUED else f"retry at {retry_at}",
            transport.name,
            item.attempt,
            f": {reason}" if reason else "",
        )

    async def recover_interrupted(self) -> None:
        now = self.clock()
        async with self.pool.acquire() as conn, conn.transaction():
            for delivery in await repository.claim_interrupted(conn, now, self.batch_size):
                transport = self.transports.get(delivery.channel)
                if transport is not None and transport.idempotent:
                    await repository.update_status(
                        conn,
                        delivery.delivery_id,
                        DeliveryStatus.QUEUED.value,
                        reason="interrupted while sending; retried with the same idempotency key",
                    )
                    continue
                reason = "interrupted while sending: outcome unknown, not retried to avoid a second message"
                await repository.update_status(
                    conn, delivery.delivery_id, DeliveryStatus.FAILED.value, reason=reason
                )
                await self.outbox.record(
                    conn, status_changed(delivery, DeliveryStatus.FAILED, reason=reason, at=now)
                )

    async def close(self) -> None:
        for transport in self.transports.values():
            with contextlib.suppress(Exception):
                await transport.close()
