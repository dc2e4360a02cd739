"""Registry events in: every registry.households event carries the whole household, and the
search projection takes it (an older event arriving late changes nothing); in the same
transaction the notifications of the subscriptions it concerns are queued."""

from __future__ import annotations

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.registry import (
    HouseholdClassified,
    HouseholdDeregistered,
    HouseholdEvent,
    HouseholdRegistered,
    HouseholdUpdated,
    MemberAdded,
    MemberRemoved,
    MemberUpdated,
)
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import REGISTRY_HOUSEHOLDS

from chasqui_dci_gateway.application.models import ApplyRegistryEvent
from chasqui_dci_gateway.application.subscriptions import apply_registry_event
from chasqui_dci_gateway.domain.subscriptions import RegistryChange

CHANGES: dict[type, RegistryChange | None] = {
    HouseholdRegistered: RegistryChange.REGISTERED,
    HouseholdUpdated: None,
    MemberAdded: RegistryChange.MEMBER_ADDED,
    MemberUpdated: None,
    MemberRemoved: RegistryChange.MEMBER_REMOVED,
    HouseholdClassified: RegistryChange.CLASSIFIED,
    HouseholdDeregistered: RegistryChange.DEREGISTERED,
}
REGISTRY_EVENTS = tuple(CHANGES)


async def on_household_event(uow: UnitOfWork, event: HouseholdEvent) -> None:
    person_id = event.person_id if isinstance(event, MemberAdded | MemberRemoved) else None
    await apply_registry_event(
        uow,
        ApplyRegistryEvent(
            household=event.household,
            change=CHANGES[type(event)],
            event_id=uow.event.id,
            event_time=uow.event.time,
            person_id=person_id,
        ),
    )


def make_consumer(name: str = "dci-gateway") -> EventConsumer:
    """The consumer of registry.households (`name` is its group and inbox name)."""
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])
    for model in REGISTRY_EVENTS:
        consumer.on(model)(on_household_event)
    return consumer
