"""Eligibility decisions in: the consumer of `eligibility.decisions` that feeds the worklists
(CIAM, OMAPED, ULE reclassification; domain/worklists.py). A consumer of its own (group and inbox
`<name>-worklists`), so the citizen projection's consumer is not held up by the decisions topic."""

from __future__ import annotations

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.eligibility import DecisionChanged
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import ELIGIBILITY_DECISIONS

from chasqui_citizen_attention.application.worklists import TakeDecision, take_decision


async def on_decision_changed(uow: UnitOfWork, event: DecisionChanged) -> None:
    await take_decision(
        uow,
        TakeDecision(
            decision_id=event.decision_id,
            household_id=event.household_id,
            program=event.program,
            person_id=event.person_id,
            recipient_person_id=event.recipient_person_id,
            eligible=event.eligible,
            previous_eligible=event.previous_eligible,
            as_of=event.as_of,
            decided_at=uow.event.time,
        ),
    )


def make_decision_consumer(name: str = "citizen-attention-worklists") -> EventConsumer:
    """The consumer of eligibility.decisions (`name` is its group and inbox name)."""
    consumer = EventConsumer(name, topics=[ELIGIBILITY_DECISIONS])
    consumer.on(DecisionChanged)(on_decision_changed)
    return consumer
