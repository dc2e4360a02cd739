"""ULE classification results in: a CSE recorded by a ULE (citizen-attention's S100 request)
becomes the household's classification in force (docs/adr/0007-ule-classification-result-by-event.md).

The result goes through `classify_household`, the use case the API's `POST .../classification`
runs, so it obeys the same rules (an active household, `valid_until` after `valid_from`), keeps
the previous classification in the history, writes the access record and publishes
`registry.household.classified.v1`, on which eligibility re-decides. The ULE acts for its own
district only: the caller's scope is the event's municipality, so a result for a household of
another district is refused (`registry-outside-district`) like a ULE token would be.

A refused result (unknown household, deregistered household, another district, dates out of
order) raises its DomainError and the consumer dead-letters the event with that code, field,
value and expectation; a level outside `POBRE_EXTREMO | POBRE | NO_POBRE` fails the payload
model (`payload.invalid`, field `level`). Nothing is lost: a dead letter can be replayed.
"""

from __future__ import annotations

import uuid

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth.scope import AccessScope, Caller
from chasqui_common.events.citizen_attention import ClassificationResultRecorded
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import CITIZEN_ATTENTION_REQUESTS

from chasqui_registry.application.commands import ClassifyHousehold, classify_household, household_not_found
from chasqui_registry.domain.model import ClassificationDraft

CONSUMER = "registry-ule-results"


def ule_caller(municipality: str) -> Caller:
    """The ULE of `municipality` as the author of the change: confined to its district."""
    return Caller(
        subject=f"ule-{municipality}",
        client_id=f"citizen-attention/ule-{municipality}",
        scope=AccessScope(ubigeos=frozenset({municipality})),
        purpose="ULE classification result (S100)",
        system=True,
    )


def result_source(event: ClassificationResultRecorded) -> str:
    """The classification's `source`: the ULE and the S100 request it answers (at most 80
    characters: 'ULE 150142 S100 ' and a 36-character request id)."""
    return f"ULE {event.municipality} S100 {event.request_id}"[:80]


async def on_classification_result(uow: UnitOfWork, event: ClassificationResultRecorded) -> None:
    """Set the household's CSE from the ULE's result (`classify_household`)."""
    try:
        uuid.UUID(event.household_id)
    except ValueError:
        raise household_not_found(event.household_id) from None  # registry ids are UUIDs
    await classify_household(
        uow,
        ClassifyHousehold(
            household_id=event.household_id,
            draft=ClassificationDraft(
                level=event.level,
                valid_from=event.valid_from,
                valid_until=event.valid_until,
                source=result_source(event),
            ),
            caller=ule_caller(event.municipality),
        ),
    )


def make_consumer(name: str = CONSUMER) -> EventConsumer:
    """The consumer of citizen-attention.requests (`name` is its group and inbox name); the
    request's other events (registered, home-visited) are not the registry's and are ignored."""
    consumer = EventConsumer(name, topics=[CITIZEN_ATTENTION_REQUESTS])
    consumer.on(ClassificationResultRecorded)(on_classification_result)
    return consumer
