"""Registry events in: every registry.households event carries the whole household, and the
search projection takes it (an older event arriving late changes nothing)."""

from __future__ import annotations

from typing import Protocol

from chasqui_common.application.unit_of_work import UnitOfWork
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

from chasqui_dci_gateway.adapters import repository


class HouseholdEvent(Protocol):
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
    await repository.apply_snapshot(uow.conn, event.household, uow.event.id, uow.event.time)


def make_consumer(name: str = "dci-gateway") -> EventConsumer:
    """The consumer of registry.households (`name` is its group and inbox name)."""
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])
    for model in REGISTRY_EVENTS:
        consumer.on(model)(on_household_event)
    return consumer
