"""The dispatcher: sends queued messages, outside any Kafka transaction, at most once each.

A round claims due messages of a channel with FOR UPDATE SKIP LOCKED, re-checks consent (a
withdrawal counts up to the last moment) and quiet hours, and marks the rest `sending` with a
lease, in one transaction that also records their status events (`claim_due_deliveries`). Only
then are providers called; each outcome is written back in its own transaction, guarded by the
`sending` status (`record_send_outcome`). Two dispatchers (two replicas) never claim the same
row, and a row once sent is never sent again. A lease that runs out means a dispatcher died
mid-send: the message is retried only through a provider that deduplicates on the delivery id;
otherwise it is recorded as failed rather than risk a second message
(`recover_interrupted_deliveries`).

The use cases take a unit of work like any other; the `Dispatcher` is the background loop that
runs them through `Transactions` and talks to the transports between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chasqui_common.application.unit_of_work import Transactions, UnitOfWork
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    Transport,
)
from chasqui_notifications.domain.delivery import (
    SENDING,
    Delivery,
    RetrySchedule,
    consent_refusal,
    status_changed,
)
from chasqui_notifications.domain.quiet_hours import QuietHours
from chasqui_notifications.domain.rate_limit import TokenBucket

log = logging.getLogger(__name__)

QUIET_HOURS_REASON = "quiet hours 21:00-08:00 America/Lima"


@dataclass(frozen=True)
class ClaimDueDeliveries:
    """Claim up to `limit` due messages of `channel` for sending, holding them for `lease`."""

    channel: DeliveryChannel
    limit: int
    lease: timedelta
    quiet_hours: QuietHours = field(default_factory=QuietHours)


@dataclass(frozen=True)
class ClaimedDelivery:
    """A message marked `sending`: where it goes and which attempt this is."""

    delivery: Delivery
    address: str
    attempt: int


async def claim_due_deliveries(uow: UnitOfWork, command: ClaimDueDeliveries) -> list[ClaimedDelivery]:
    """Due messages whose consent still holds and that quiet hours let go, marked `sending`; the
    others are suppressed, failed (no address) or deferred to the morning, with their events."""
    now = uow.clock.now()
    channel = command.channel
    claimed: list[ClaimedDelivery] = []
    for delivery in await repository.claim_due(uow.conn, channel, now, command.limit):
        card = await repository.card(uow.conn, delivery.person_id)
        refusal = (
            "no contact card"
            if card is None
            else consent_refusal(card, channel, needs_employment_contact=delivery.needs_employment_contact)
        )
        if refusal is not None:
            await repository.update_status(
                uow.conn, delivery.delivery_id, DeliveryStatus.SUPPRESSED_CONSENT.value, reason=refusal
            )
            await uow.publish(
                status_changed(delivery, DeliveryStatus.SUPPRESSED_CONSENT, reason=refusal, at=now)
            )
            continue
        assert card is not None
        address = card.address_for(channel)
        if not address:
            reason = f"no {channel.value} address on file"
            await repository.update_status(
                uow.conn, delivery.delivery_id, DeliveryStatus.FAILED.value, reason=reason
            )
            await uow.publish(status_changed(delivery, DeliveryStatus.FAILED, reason=reason, at=now))
            continue
        hold = command.quiet_hours.hold_until(channel, now)
        if hold is not None:
            await repository.update_status(
                uow.conn,
                delivery.delivery_id,
                DeliveryStatus.DEFERRED_QUIET_HOURS.value,
                reason=QUIET_HOURS_REASON,
                not_before=hold,
            )
            if delivery.status != DeliveryStatus.DEFERRED_QUIET_HOURS:
                await uow.publish(
                    status_changed(
                        delivery,
                        DeliveryStatus.DEFERRED_QUIET_HOURS,
                        reason=QUIET_HOURS_REASON,
                        not_before=hold,
                        at=now,
                    )
                )
            continue
        attempt = delivery.attempts + 1
        await repository.update_status(
            uow.conn,
            delivery.delivery_id,
            SENDING,
            reason=delivery.reason,
            lease_until=now + command.lease,
            attempts=attempt,
        )
        claimed.append(ClaimedDelivery(delivery, address, attempt))
    return claimed


@dataclass(frozen=True)
class RecordSendOutcome:
    """What the provider answered for a claimed message: its message id, or why it failed
    (`permanent`: the provider refused this message; otherwise try again, not before
    `retry_after` seconds if the provider said so)."""

    claimed: ClaimedDelivery
    provider_message_id: str | None = None
    failure: str | None = None
    permanent: bool = False
    retry_after: float | None = None
    retry: RetrySchedule = field(default_factory=RetrySchedule)


@dataclass(frozen=True)
class SendOutcome:
    """The status the message moved to (`queued` again for a retry at `retry_at`); `recorded` is
    False if it had left `sending` before (then nothing was written)."""

    status: DeliveryStatus
    reason: str | None
    retry_at: datetime | None
    recorded: bool


async def record_send_outcome(uow: UnitOfWork, command: RecordSendOutcome) -> SendOutcome:
    now = uow.clock.now()
    item = command.claimed
    retry_at: datetime | None = None
    reason = command.failure
    if reason is None:
        status = DeliveryStatus.SENT
    elif command.permanent:
        status = DeliveryStatus.FAILED
    elif command.retry.gives_up(item.attempt):
        status, reason = DeliveryStatus.FAILED, f"gave up after {item.attempt} attempts: {reason}"
    else:
        status = DeliveryStatus.QUEUED
        delay = command.retry.delay(item.attempt)
        if command.retry_after:
            delay = max(delay, command.retry_after)
        retry_at = now + timedelta(seconds=delay)
    moved = await repository.update_status(
        uow.conn,
        item.delivery.delivery_id,
        status.value,
        reason=reason,
        not_before=retry_at,
        sent_at=now if status is DeliveryStatus.SENT else None,
        provider_message_id=command.provider_message_id,
        expect=SENDING,
    )
    if moved and status is not DeliveryStatus.QUEUED:  # a retry is not a new status for observers
        await uow.publish(status_changed(item.delivery, status, reason=reason, attempts=item.attempt, at=now))
    return SendOutcome(status, reason, retry_at, moved)


@dataclass(frozen=True)
class RecoverInterruptedDeliveries:
    """Settle up to `limit` messages whose `sending` lease ran out; those of `idempotent_channels`
    (the provider deduplicates on the delivery id) are queued again, the others failed."""

    idempotent_channels: frozenset[DeliveryChannel]
    limit: int


@dataclass(frozen=True)
class RecoveredDeliveries:
    requeued: int
    failed: int


async def recover_interrupted_deliveries(
    uow: UnitOfWork, command: RecoverInterruptedDeliveries
) -> RecoveredDeliveries:
    now = uow.clock.now()
    requeued = failed = 0
    for delivery in await repository.claim_interrupted(uow.conn, now, command.limit):
        if delivery.channel in command.idempotent_channels:
            await repository.update_status(
                uow.conn,
                delivery.delivery_id,
                DeliveryStatus.QUEUED.value,
                reason="interrupted while sending; retried with the same idempotency key",
            )
            requeued += 1
            continue
        reason = "interrupted while sending: outcome unknown, not retried to avoid a second message"
        await repository.update_status(
            uow.conn, delivery.delivery_id, DeliveryStatus.FAILED.value, reason=reason
        )
        await uow.publish(status_changed(delivery, DeliveryStatus.FAILED, reason=reason, at=now))
        failed += 1
    return RecoveredDeliveries(requeued, failed)


@dataclass
class Dispatcher:
    """The background loop: claim (one transaction), send (no transaction), record (one each).

    It wakes as soon as a transaction that queued messages commits (LISTEN/NOTIFY on the
    `deliveries` insert trigger, migration 0003), and also polls every `poll_seconds`, so a missed
    notification or a lost listening connection only delays a message, and retries and quiet
    hours that come due are picked up."""

    transactions: Transactions
    transports: dict[DeliveryChannel, Transport]
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    retry: RetrySchedule = field(default_factory=RetrySchedule)
    buckets: dict[DeliveryChannel, TokenBucket] = field(default_factory=dict)
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=120)
    poll_seconds: float = 1.0
    concurrency: int = 8
    sent: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def wake(self) -> None:
        """Start the next round now (a transaction queued messages)."""
        self._wake.set()

    async def run(self) -> None:
        listening = asyncio.create_task(self._listen(), name="dispatcher-listen")
        try:
            while True:
                self._wake.clear()  # a notification during the round starts the next one at once
                try:
                    worked = await self.dispatch_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("dispatch round failed; retrying")
                    worked = 0
                if not worked:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening

    async def _listen(self) -> None:
        """Keep a connection listening for queued messages; polling covers the gaps."""
        while True:
            try:
                await repository.listen_for_deliveries(self.transactions.pool, self.wake)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dispatcher: listening for queued messages failed (%s); polling meanwhile", exc)
            await asyncio.sleep(max(self.poll_seconds, 1.0))

    async def dispatch_once(self) -> int:
        """One round over every channel; returns how many messages were handled."""
        await self.recover_interrupted()
        handled = await asyncio.gather(*(self._channel_round(ch) for ch in self.transports))
        return sum(handled)

    async def recover_interrupted(self) -> RecoveredDeliveries:
        idempotent = frozenset(channel for channel, t in self.transports.items() if t.idempotent)
        return await self.transactions.command(
            recover_interrupted_deliveries, RecoverInterruptedDeliveries(idempotent, self.batch_size)
        )

    async def _channel_round(self, channel: DeliveryChannel) -> int:
        claimed = await self.transactions.command(
            claim_due_deliveries, ClaimDueDeliveries(channel, self.batch_size, self.lease, self.quiet_hours)
        )
        limit = asyncio.Semaphore(self.concurrency)

        async def send(item: ClaimedDelivery) -> None:
            async with limit:
                await self._take_token(channel)
                await self._send(item)

        await asyncio.gather(*(send(item) for item in claimed))
        return len(claimed)

    async def _take_token(self, channel: DeliveryChannel) -> None:
        bucket = self.buckets.get(channel)
        if bucket is None:
            return
        while True:
            wait = bucket.take(time.monotonic())
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _send(self, item: ClaimedDelivery) -> None:
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
        try:
            answer = RecordSendOutcome(
                item, provider_message_id=await transport.send(message), retry=self.retry
            )
        except PermanentFailure as exc:
            answer = RecordSendOutcome(item, failure=exc.reason, permanent=True, retry=self.retry)
        except TransientFailure as exc:
            answer = RecordSendOutcome(
                item, failure=exc.reason, retry_after=exc.retry_after, retry=self.retry
            )
        except Exception as exc:
            log.exception("transport %s raised unexpectedly for %s", transport.name, delivery.delivery_id)
            answer = RecordSendOutcome(item, failure=f"{type(exc).__name__}: {exc}", retry=self.retry)
        outcome = await self.transactions.command(record_send_outcome, answer)
        if not outcome.recorded:
            log.warning(
                "delivery %s left 'sending' before its outcome (%s) was recorded",
                delivery.delivery_id,
                outcome.status,
            )
            return
        if outcome.status is DeliveryStatus.SENT:
            self.sent += 1
        log.info(
            "delivery %s %s via %s (attempt %d)%s",
            delivery.delivery_id,
            outcome.status.value
            if outcome.status is not DeliveryStatus.QUEUED
            else f"retry at {outcome.retry_at}",
            transport.name,
            item.attempt,
            f": {outcome.reason}" if outcome.reason else "",
        )

    async def close(self) -> None:
        for transport in self.transports.values():
            with contextlib.suppress(Exception):
                await transport.close()
