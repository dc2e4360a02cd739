"""Kafka entry point: upstream events update contact cards and queue messages, in the inbox transaction.

Nothing here talks to a provider: a handler records each message as queued (or suppressed by
consent) under the unique (event, person, channel) key and returns, so a slow provider never
holds a partition; the dispatcher sends what is queued.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.envelope import Envelope
from chasqui_common.events import eligibility, employment, migrants, registry
from chasqui_common.events.catalogue import CATALOGUE, EventPayload
from chasqui_common.events.notifications import DeliveryStatus
from chasqui_common.messaging.consumer import EventConsumer, Received, publish_caused
from chasqui_common.topics import (
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
    REGISTRY_HOUSEHOLDS,
)

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.templates import RENDERER
from chasqui_notifications.domain import notices
from chasqui_notifications.domain.attention_notices import ATTENTION_READINGS
from chasqui_notifications.domain.consent import ContactCard
from chasqui_notifications.domain.delivery import plan_channels, status_changed
from chasqui_notifications.domain.notices import Notice, Reading

log = logging.getLogger(__name__)

EventReading = Callable[[Any, datetime], Reading]
"""What an event means for the people it concerns (domain/notices.py), given its time."""

READINGS: list[tuple[type[EventPayload], EventReading]] = [
    (registry.HouseholdRegistered, notices.read_household),
    (registry.HouseholdUpdated, notices.read_household),
    (registry.MemberAdded, notices.read_household),
    (registry.MemberUpdated, notices.read_household),
    (registry.HouseholdClassified, notices.read_household),
    (migrants.MigrantRegistered, notices.read_migrant_registered),
    (migrants.ReferralIssued, notices.read_referral),
    (migrants.AppointmentScheduled, notices.read_appointment_scheduled),
    (migrants.AppointmentCancelled, notices.read_appointment_cancelled),
    (migrants.DocumentExpiring, notices.read_document_expiring),
    (eligibility.DecisionChanged, notices.read_decision),
    (employment.JobSeekerRegistered, notices.read_job_seeker),
    (employment.JobSeekerUpdated, notices.read_job_seeker),
    (employment.MatchProposed, notices.read_match),
    (employment.PlacementConfirmed, notices.read_placement),
]


def build_consumer(name: str = "notifications") -> EventConsumer:
    """A consumer with a handler for every person-relevant event; each instance binds on its own."""
    consumer = EventConsumer(
        name,
        topics=[
            REGISTRY_HOUSEHOLDS,
            MIGRANT_SERVICES_MIGRANTS,
            MIGRANT_SERVICES_CASES,
            ELIGIBILITY_DECISIONS,
            EMPLOYMENT_JOB_SEEKERS,
            EMPLOYMENT_VACANCIES,
        ],
    )
    for model, _ in READINGS:
        consumer.on_batch(model)(on_events)
    return consumer


# citizen-attention's events have a consumer of their own (application/attention_events.py)
_READING_OF: dict[type[EventPayload], EventReading] = dict([*READINGS, *ATTENTION_READINGS])


async def on_events(uow: UnitOfWork, events: list[Received[EventPayload]]) -> None:
    """A run of upstream events (the consumer hands over a whole Kafka batch), applied as
    `apply_reading` would apply each in turn, with a handful of statements for the whole run."""
    await apply_readings(
        uow,
        [
            (
                event.envelope,
                ApplyReading(
                    _READING_OF[type(event.payload)](event.payload, event.envelope.time),
                    event_id=event.envelope.id,
                    event_type=event.envelope.type,
                ),
            )
            for event in events
        ],
    )


@dataclass(frozen=True)
class ApplyReading:
    """What event `event_id` (of type `event_type`) teaches about contacts and asks to tell people."""

    reading: Reading
    event_id: uuid.UUID
    event_type: str


async def apply_reading(uow: UnitOfWork, command: ApplyReading) -> int:
    """Merge the contact updates, then record one delivery per notice and reachable channel
    (queued or suppressed by consent); returns how many deliveries were recorded now."""
    # Cards are locked in person order so concurrent consumers cannot deadlock on a household.
    for update in sorted(command.reading.updates, key=lambda u: u.person_id):
        card = await repository.card_for_update(uow.conn, update.person_id)
        await repository.save_card(uow.conn, card.apply_upstream(update))
    recorded = 0
    for notice in command.reading.notices:
        recorded += await _queue_notice(uow, command, notice)
    return recorded


async def apply_readings(uow: UnitOfWork, commands: list[tuple[Envelope, ApplyReading]]) -> int:
    """`apply_reading` for each command in order, each caused by its envelope, with the same
    effects: the cards concerned are locked at once (in person order, so concurrent consumers
    cannot deadlock), updated and planned in memory in event order, saved in one statement; the
    deliveries are inserted in one statement (a repeated (event, person, channel) is skipped as
    before) and their status events recorded with one COPY. Returns how many were recorded."""
    people = sorted(
        {u.person_id for _, c in commands for u in c.reading.updates}
        | {n.person_id for _, c in commands for n in c.reading.notices}
    )
    cards = await repository.cards_for_update(uow.conn, people)
    changed: dict[str, Envelope] = {}  # person -> the last event of the run that updated their card
    planned: list[tuple[Envelope, repository.NewDelivery]] = []
    waiting: list[tuple[Envelope, ApplyReading, Notice]] = []
    for envelope, command in commands:
        for update in sorted(command.reading.updates, key=lambda u: u.person_id):
            cards[update.person_id] = cards[update.person_id].apply_upstream(update)
            changed[update.person_id] = envelope
        for notice in command.reading.notices:
            if not _reachable_yet(cards[notice.person_id]):
                waiting.append((envelope, command, notice))
                continue
            planned.extend((envelope, d) for d in _plan_notice(command, notice, cards[notice.person_id]))
    await repository.save_cards(uow.conn, [cards[person_id] for person_id in sorted(changed)])
    # Cards that arrived in this run: first the notices that waited for them in earlier runs, then
    # those of this run; the rest wait (a decision can come before the registry event that brings
    # its person's card: ADR 0008).
    arrived = sorted(p for p in changed if _reachable_yet(cards[p]))
    for row in await repository.take_awaiting(uow.conn, arrived):
        resumed = _resumed(row)
        if resumed is None:
            continue
        for notice in resumed.reading.notices:
            if notice.person_id == row.person_id:
                plans = _plan_notice(resumed, notice, cards[row.person_id])
                planned.extend((changed[row.person_id], d) for d in plans)
    parked: list[repository.AwaitingNotice] = []
    for envelope, command, notice in waiting:
        if _reachable_yet(cards[notice.person_id]):
            planned.extend((envelope, d) for d in _plan_notice(command, notice, cards[notice.person_id]))
        else:
            log.info("person %s has no contact card yet: %s waits for it", notice.person_id, envelope.type)
            parked.append(
                repository.AwaitingNotice(
                    envelope.id, envelope.type, notice.person_id, envelope.time, envelope.body().decode()
                )
            )
    dropped = await repository.park_notices(uow.conn, parked)
    if dropped:
        log.warning(
            "%d notices waited %d days for a contact card and were dropped", dropped, repository.AWAITING_DAYS
        )
    inserted = await repository.insert_deliveries(uow.conn, [d for _, d in planned])
    now = uow.clock.now()
    events = [
        (envelope, [status_changed(inserted[d.delivery_id], d.status, reason=d.reason, at=now)])
        for envelope, d in planned
        if d.delivery_id in inserted
    ]
    await publish_caused(uow, events)
    return len(events)


def _reachable_yet(card: ContactCard) -> bool:
    """Whether an upstream event has told how to reach the person (even if only to say there is
    no phone or e-mail): before that, a notice waits for the card instead of finding no channel."""
    return card.contact_at is not None


def _resumed(row: repository.AwaitingNotice) -> ApplyReading | None:
    """The reading of an event whose notice waited for a card, read again from its data."""
    spec = CATALOGUE.get(row.event_type)
    reading = _READING_OF.get(spec.model) if spec is not None else None
    if spec is None or reading is None:
        log.warning(
            "a notice of %s (event %s) waited for a card but that type is no longer read",
            row.event_type,
            row.event_id,
        )
        return None
    payload = spec.model.model_validate_json(row.body)
    return ApplyReading(reading(payload, row.event_time), event_id=row.event_id, event_type=row.event_type)


def _plan_notice(command: ApplyReading, notice: Notice, card: ContactCard) -> list[repository.NewDelivery]:
    plans = plan_channels(card, needs_employment_contact=notice.needs_employment_contact)
    if not plans:
        log.info(
            "no channel to reach person %s for %s (event %s)",
            notice.person_id,
            notice.template,
            command.event_id,
        )
        return []
    context = {"given_names": card.given_names or "", **notice.context}
    context["greeting"] = notices.greeting(context["given_names"])
    deliveries = []
    for plan in plans:
        message = RENDERER.render(notice.template, plan.channel, context, card.language)
        deliveries.append(
            repository.NewDelivery(
                delivery_id=uuid.uuid4(),
                event_id=command.event_id,
                event_type=command.event_type,
                person_id=notice.person_id,
                channel=plan.channel,
                template=notice.template,
                language=message.language,
                needs_employment_contact=notice.needs_employment_contact,
                subject=message.subject,
                body_text=message.text,
                body_html=message.html,
                status=plan.status,
                reason=plan.reason,
            )
        )
    return deliveries


async def _queue_notice(uow: UnitOfWork, command: ApplyReading, notice: Notice) -> int:
    card = await repository.card_for_update(uow.conn, notice.person_id)
    plans = plan_channels(card, needs_employment_contact=notice.needs_employment_contact)
    if not plans:
        log.info(
            "no channel to reach person %s for %s (event %s)",
            notice.person_id,
            notice.template,
            command.event_id,
        )
        return 0
    context = {"given_names": card.given_names or "", **notice.context}
    context["greeting"] = notices.greeting(context["given_names"])
    recorded = 0
    for plan in plans:
        message = RENDERER.render(notice.template, plan.channel, context, card.language)
        delivery_id = await repository.insert_delivery(
            uow.conn,
            event_id=command.event_id,
            event_type=command.event_type,
            person_id=notice.person_id,
            channel=plan.channel,
            template=notice.template,
            language=message.language,
            needs_employment_contact=notice.needs_employment_contact,
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            status=plan.status,
            reason=plan.reason,
        )
        if delivery_id is None:
            continue  # this (event, person, channel) was recorded already: never twice
        delivery = await repository.delivery(uow.conn, delivery_id)
        await uow.publish(
            status_changed(delivery, DeliveryStatus(plan.status), reason=plan.reason, at=uow.clock.now())
        )
        recorded += 1
    return recorded
