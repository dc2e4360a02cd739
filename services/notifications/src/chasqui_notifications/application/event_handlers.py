"""Kafka entry point: upstream events update contact cards and queue messages, in the inbox transaction.

Nothing here talks to a provider: a handler records each message as queued (or suppressed by
consent) under the unique (event, person, channel) key and returns, so a slow provider never
holds a partition; the dispatcher sends what is queued.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from chasqui_common.events import eligibility, employment, migrants, registry
from chasqui_common.events.catalogue import EventPayload
from chasqui_common.events.notifications import DeliveryStatus
from chasqui_common.messaging.consumer import EventConsumer, HandlerContext
from chasqui_common.topics import (
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
    REGISTRY_HOUSEHOLDS,
)

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.repository import Delivery
from chasqui_notifications.adapters.templates import TemplateRenderer
from chasqui_notifications.application.status import status_changed
from chasqui_notifications.domain import notices
from chasqui_notifications.domain.delivery import plan_channels
from chasqui_notifications.domain.notices import Notice, Reading

log = logging.getLogger(__name__)

E = TypeVar("E", bound=EventPayload)
Reader = Callable[[Any, datetime], Reading]

RENDERER = TemplateRenderer()

READERS: list[tuple[type[EventPayload], Reader]] = [
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


def build_consumer(name: str = "notifications", renderer: TemplateRenderer = RENDERER) -> EventConsumer:
    """A consumer with a handler for every person-relevant event; each instance binds on its own."""
    consumer = EventConsumer(
        name, topics=[
            REGISTRY_HOUSEHOLDS,
            MIGRANT_SERVICES_MIGRANTS,
            MIGRANT_SERVICES_CASES,
            ELIGIBILITY_DECISIONS,
            EMPLOYMENT_JOB_SEEKERS,
            EMPLOYMENT_VACANCIES,
        ]
    )
    for model, reader in READERS:
        consumer.on(model)(_handler(reader, renderer))
    return consumer


def _handler(reader: Reader, renderer: TemplateRenderer) -> Callable[[HandlerContext, Any], Awaitable[None]]:
    async def handle(ctx: HandlerContext, event: Any) -> None:
        await apply_reading(ctx, reader(event, ctx.envelope.time), renderer)

    return handle


async def apply_reading(ctx: HandlerContext, reading: Reading, renderer: TemplateRenderer) -> None:
    # Cards are locked in person order so concurrent consumers cannot deadlock on a household.
    for update in sorted(reading.updates, key=lambda u: u.person_id):
        card = await repository.card_for_update(ctx.conn, update.person_id)
        await repository.save_card(ctx.conn, card.apply_upstream(update))
    for notice in reading.notices:
        await queue_notice(ctx, notice, renderer)


async def queue_notice(ctx: HandlerContext, notice: Notice, renderer: TemplateRenderer) -> None:
    card = await repository.card_for_update(ctx.conn, notice.person_id)
    plans = plan_channels(card, needs_employment_contact=notice.needs_employment_contact)
    if not plans:
        log.info(
            "no channel to reach person %s for %s (event %s)",
            notice.person_id,
            notice.template,
            ctx.envelope.id,
        )
        return
    context = {"given_names": card.given_names or "", **notice.context}
    context["greeting"] = notices.greeting(context["given_names"])
    for plan in plans:
        message = renderer.render(notice.template, plan.channel, context, card.language)
        delivery_id = await repository.insert_delivery(
            ctx.conn,
            event_id=ctx.envelope.id,
            event_type=ctx.envelope.type,
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
        delivery = await repository.delivery(ctx.conn, delivery_id)
        await ctx.publish(status_changed(delivery, DeliveryStatus(plan.status), reason=plan.reason))


__all__ = ["Delivery", "build_consumer"]
