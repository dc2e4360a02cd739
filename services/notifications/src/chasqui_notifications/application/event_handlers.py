"""Kafka entry point: upstream events update contact cards and queue messages, in the inbox transaction.

Nothing here talks to a provider: a handler records each message as queued (or suppressed by
consent) under the unique (event, person, channel) key and returns, so a slow provider never
holds a partition; the dispatcher sends what is queued.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events import eligibility, employment, migrants, registry
from chasqui_common.events.catalogue import EventPayload
from chasqui_common.events.notifications import DeliveryStatus
from chasqui_common.messaging.consumer import EventConsumer
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
    for model, reading in READINGS:
        consumer.on(model)(_handler(reading))
    return consumer


def _handler(reading: EventReading) -> Callable[[UnitOfWork, Any], Awaitable[None]]:
    async def handle(uow: UnitOfWork, event: Any) -> None:
        envelope = uow.event
        await apply_reading(
            uow, ApplyReading(reading(event, envelope.time), event_id=envelope.id, event_type=envelope.type)
        )

    return handle


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
