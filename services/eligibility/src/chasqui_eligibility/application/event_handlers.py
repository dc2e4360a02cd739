"""Registry events in: update the projection, re-decide the household, announce what changed."""

from __future__ import annotations

from typing import Protocol

from chasqui_common.application.unit_of_work import UnitOfWork
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
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import REGISTRY_HOUSEHOLDS

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.decide import decide_and_record
from chasqui_eligibility.application.rule_book import rule_book


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


async def on_household_event(uow: UnitOfWork, event: HouseholdEvent) -> None:
    """Every registry event carries the whole snapshot: the projection simply takes it. One round
    trip applies it and returns the decisions recorded so far; CEL (compiled once per rule-set
    version) decides; one more writes only the decisions that changed."""
    today = uow.clock.today()
    caused_by = uow.event.id
    stored = await repository.apply_snapshot(uow.conn, event.household, caused_by, today)
    outcome = await decide_and_record(
        uow.conn,
        rule_book(),
        event.household,
        stored,
        today,
        cause=DecisionCause.REGISTRY_EVENT,
        caused_by=caused_by,
    )
    if outcome.announced:
        await uow.publish(*outcome.announced)


def make_consumer(name: str = "eligibility") -> EventConsumer:
    """The consumer of registry.households (`name` is its group and inbox name)."""
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])
    for model in REGISTRY_EVENTS:
        consumer.on(model)(on_household_event)
    return consumer
