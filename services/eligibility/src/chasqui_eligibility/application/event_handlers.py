"""Registry events in: update the projection, re-decide the household, announce what changed."""

from __future__ import annotations

from typing import Protocol

from chasqui_common.events.eligibility import DecisionCause
from chasqui_common.events.registry import (
    Household,
    HouseholdClassified,
    HouseholdDeregistered,
    HouseholdRegistered,
    HouseholdUpdated,
    MemberAdded,
    MemberRemoved,
    MemberUpdated,
)
from chasqui_common.messaging.consumer import EventConsumer, HandlerContext
from chasqui_common.topics import REGISTRY_HOUSEHOLDS

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.decide import decide_and_record
from chasqui_eligibility.application.service import Eligibility


class HouseholdEvent(Protocol):
    """What every registry.households event has: the full household snapshot."""

    @property
    def household(self) -> Household: ...


REGISTRY_EVENTS = (
    HouseholdRegistered,
    HouseholdUpdated,
    MemberAdded,
    MemberUpdated,
    MemberRemoved,
    HouseholdClassified,
    HouseholdDeregistered,
)


def make_consumer(app: Eligibility, name: str = "eligibility") -> EventConsumer:
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])

    async def on_household_event(ctx: HandlerContext, event: HouseholdEvent) -> None:
        # Every registry event carries the whole snapshot: the projection simply takes it. One
        # round trip applies it and returns the decisions recorded so far; CEL (compiled once
        # per rule-set version) decides; one more writes only the decisions that changed.
        today = app.clock.today()
        stored = await repository.apply_snapshot(ctx.conn, event.household, ctx.envelope.id, today)
        outcome = await decide_and_record(
            ctx.conn,
            app.book,
            event.household,
            stored,
            today,
            cause=DecisionCause.REGISTRY_EVENT,
            caused_by=ctx.envelope.id,
        )
        if outcome.announced:
            await ctx.publish(*outcome.announced)

    for model in REGISTRY_EVENTS:
        consumer.on(model)(on_household_event)
    return consumer
