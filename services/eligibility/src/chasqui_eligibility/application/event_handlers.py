"""Registry events in: update the projection, re-decide the household, announce what changed."""

from __future__ import annotations

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.envelope import Envelope
from chasqui_common.events.eligibility import DecisionCause, DecisionChanged
from chasqui_common.events.registry import HOUSEHOLD_EVENTS, HouseholdEvent
from chasqui_common.messaging.consumer import EventConsumer, Received, publish_caused
from chasqui_common.topics import REGISTRY_HOUSEHOLDS

from chasqui_eligibility.application.decide import decide_batch
from chasqui_eligibility.application.rule_book import rule_book

REGISTRY_EVENTS = HOUSEHOLD_EVENTS


async def on_household_events(uow: UnitOfWork, events: list[Received[HouseholdEvent]]) -> None:
    """A run of registry events (the consumer hands over a whole Kafka batch): every event carries
    the whole snapshot, so the projection simply takes it. The run is decided in rounds in which
    each household appears once (a second event about a household waits for the next round, so
    it sees the decisions of the first): per round, one statement applies the snapshots and
    returns the decisions recorded so far, the fast path decides every household at once, and
    one statement writes the decisions that changed. The `decision.changed` events go to the
    outbox in one COPY, each caused by its own registry event."""
    today = uow.clock.today()
    book = rule_book()
    announced: list[tuple[Envelope, list[DecisionChanged]]] = []
    for round_ in _rounds(events):
        outcomes = await decide_batch(
            uow.conn,
            book,
            [event.payload.household for event in round_],
            [event.envelope.id for event in round_],
            today,
            cause=DecisionCause.REGISTRY_EVENT,
        )
        announced.extend(
            (event.envelope, outcome.announced)
            for event, outcome in zip(round_, outcomes, strict=True)
            if outcome.announced
        )
    await publish_caused(uow, announced)


def _rounds(events: list[Received[HouseholdEvent]]) -> list[list[Received[HouseholdEvent]]]:
    """`events` split, in order, into rounds where each household appears at most once."""
    rounds: list[list[Received[HouseholdEvent]]] = []
    seen: dict[str, int] = {}  # household id -> the round of its last event
    for event in events:
        index = seen.get(event.payload.household.household_id, -1) + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(event)
        seen[event.payload.household.household_id] = index
    return rounds


def make_consumer(name: str = "eligibility") -> EventConsumer:
    """The consumer of registry.households (`name` is its group and inbox name)."""
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])
    for model in REGISTRY_EVENTS:
        consumer.on_batch(model)(on_household_events)
    return consumer
