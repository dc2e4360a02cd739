"""Eligibility events (topic eligibility.decisions, key = household id): decisions that changed.

Amounts are integer céntimos (S/ 1.00 = 100) so no consumer has to reason about floats.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import ELIGIBILITY_DECISIONS
from chasqui_common.values import Email, IsoDate, PhoneNumber, Text


class BenefitKind(StrEnum):
    CASH = "cash"
    SERVICE = "service"
    GRANT = "grant"
    MUNICIPAL_SERVICE = "municipal_service"
    REFERRAL = "referral"


class DecisionCause(StrEnum):
    REGISTRY_EVENT = "registry_event"
    SWEEP = "sweep"


class RecipientConsent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sms: bool = False
    email: bool = False
    whatsapp: bool = False


class Recipient(BaseModel):
    """Who to tell: the person (person programs) or the head of household (household programs)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    person_id: Text
    given_names: Text
    paternal_surname: Text | None = None
    maternal_surname: Text | None = None
    phone: PhoneNumber | None = None
    email: Email | None = None
    consent: RecipientConsent = RecipientConsent()


@event(
    "pe.chasqui.eligibility.decision.changed.v1",
    topic=ELIGIBILITY_DECISIONS,
    subject="household_id",
)
class DecisionChanged(EventPayload):
    """A program decision's outcome or benefit changed for a household or one of its members.

    Published only when `eligible` or the benefit amount changes; `previous_eligible` is false
    when there was no earlier decision. `person_id` is null for household programs (JUNTOS,
    CUNA_MAS_HOME_VISITS, ULE_RECLASSIFICATION). `benefit_amount_centimos` is null for
    non-cash benefits; `benefit_period_months` is how often the amount is paid (2 = every two
    months).
    """

    decision_id: Text
    household_id: Text
    program: Text
    person_id: Text | None = None
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
    recipient: Recipient | None = None
