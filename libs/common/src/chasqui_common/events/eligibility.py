"""Eligibility events (topic eligibility.decisions and one topic per program, key = household
id): decisions that changed.

Amounts are integer céntimos (S/ 1.00 = 100) so no consumer has to reason about floats.
"""

from __future__ import annotations

from enum import StrEnum

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import ELIGIBILITY_DECISIONS, PROGRAM_DECISIONS, Topic, program_decisions_topic
from chasqui_common.values import IsoDate, Text


class BenefitKind(StrEnum):
    CASH = "cash"
    SERVICE = "service"
    GRANT = "grant"
    MUNICIPAL_SERVICE = "municipal_service"
    REFERRAL = "referral"


class DecisionCause(StrEnum):
    REGISTRY_EVENT = "registry_event"
    SWEEP = "sweep"


def _program_topic(payload: DecisionChanged) -> Topic | None:
    """The program's own topic (`eligibility.decisions.<program>`); None for a program without one."""
    try:
        return program_decisions_topic(str(payload.program))
    except LookupError:
        return None


@event(
    "pe.chasqui.eligibility.decision.changed.v2",
    topic=ELIGIBILITY_DECISIONS,
    subject="household_id",
    copy_to=_program_topic,
    copy_topics=PROGRAM_DECISIONS,
)
class DecisionChanged(EventPayload):
    """A program decision's outcome or benefit changed for a household or one of its members.

    Published only when `eligible` or the benefit amount changes; `previous_eligible` is false
    when there was no earlier decision. `person_id` is null for household programs (JUNTOS,
    CUNA_MAS_HOME_VISITS, ULE_RECLASSIFICATION). `benefit_amount_centimos` is null for
    non-cash benefits; `benefit_period_months` is how often the amount is paid (2 = every two
    months). `recipient_person_id` is who is told: the person decided about, or for household
    programs the head of household; null when the household has no member. Contact details are
    never carried (Ley 29733 art. 8, DS 016-2024-JUS: minimisation): notifications reaches people
    through its own contact cards, with their consent.

    Every event goes to `eligibility.decisions` (read by Chasqui services only) and a copy, with
    its own `ce_id`, to its program's topic `eligibility.decisions.<program>` (read by that
    program's integrators; docs/integrators.md). v1 carried a `recipient` with names, phone,
    e-mail and consent; it was retired without a side-by-side period (ADR 0008).
    """

    decision_id: Text
    household_id: Text
    program: Text
    person_id: Text | None = None
    recipient_person_id: Text | None = None
    eligible: bool
    previous_eligible: bool
    benefit_kind: BenefitKind
    benefit_amount_centimos: int | None = None
    previous_benefit_amount_centimos: int | None = None
    benefit_period_months: int | None = None
    priority_points: int | None = None
    rule_set_version: Text
    as_of: IsoDate
    failed_criteria: tuple[Text, ...] = ()
    cause: DecisionCause
    caused_by_event_id: Text | None = None
