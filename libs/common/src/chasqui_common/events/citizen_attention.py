"""Citizen-attention events (topics citizen-attention.attentions, .referrals, .requests).

Keys: an attention's events by attention id, a referral's by referral id, a classification
request's by request id. Payloads carry ids, office and procedure codes, dates and counts; never
notes, reasons or outcomes in words. An attention or referral at DEMUNA (records of minors) carries
neither the person nor the procedure: only that it happened (`confidential` is true).
"""

from __future__ import annotations

from pydantic import Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.events.registry import CseLevel
from chasqui_common.topics import (
    CITIZEN_ATTENTION_ATTENTIONS,
    CITIZEN_ATTENTION_REFERRALS,
    CITIZEN_ATTENTION_REQUESTS,
)
from chasqui_common.values import Email, IsoDate, IsoDateTime, PhoneNumber, Text, Ubigeo

__all__ = [
    "AttentionRecorded",
    "ClassificationRequestRegistered",
    "ClassificationResultRecorded",
    "HomeVisitRecorded",
    "OfficeHeadDesignated",
    "ReferralAccepted",
    "ReferralCompleted",
    "ReferralDeadlineMissed",
    "ReferralMade",
    "ReferralRejected",
]


@event(
    "pe.chasqui.attention.attention.recorded.v1", topic=CITIZEN_ATTENTION_ATTENTIONS, subject="attention_id"
)
class AttentionRecorded(EventPayload):
    """A visit was attended at a municipal office (for DEMUNA, without person or procedure)."""

    attention_id: Text
    municipality: Ubigeo
    office: Text = Field(description="CIAM, DEMUNA, OMAPED or ULE")
    confidential: bool = Field(description="true for DEMUNA: citizen_id and procedure are left out")
    citizen_id: Text | None = None
    procedure: Text | None = None
    channel: Text
    day: IsoDate
    duration_seconds: int = Field(ge=0)
    waiting_seconds: int | None = Field(default=None, ge=0)


class _ReferralEvent(EventPayload):
    referral_id: Text
    municipality: Ubigeo | None = Field(
        default=None, description="The municipality whose office receives it (absent if none is loaded)"
    )
    to_office: Text
    confidential: bool = Field(description="true when DEMUNA sends or receives it: citizen_id is left out")
    citizen_id: Text | None = None


@event("pe.chasqui.attention.referral.made.v1", topic=CITIZEN_ATTENTION_REFERRALS, subject="referral_id")
class ReferralMade(_ReferralEvent):
    """A person was referred to an office, by another office or by a Migracentro, with a deadline."""

    from_office: Text | None = Field(default=None, description="Absent for a referral from another service")
    source: Text = Field(description="office or migracentro")
    due_on: IsoDate
    made_at: IsoDateTime


@event("pe.chasqui.attention.referral.accepted.v1", topic=CITIZEN_ATTENTION_REFERRALS, subject="referral_id")
class ReferralAccepted(_ReferralEvent):
    """The receiving office took the referral on."""

    accepted_at: IsoDateTime
    recipient_person_id: Text | None = Field(
        default=None,
        description="Who notifications tells: the person's id in the registry (or migrant-services); "
        "null when the person is known to neither, or for DEMUNA. Never contact details",
    )


@event("pe.chasqui.attention.referral.rejected.v1", topic=CITIZEN_ATTENTION_REFERRALS, subject="referral_id")
class ReferralRejected(_ReferralEvent):
    """The receiving office refused the referral (its reason stays in the service)."""

    rejected_at: IsoDateTime


@event("pe.chasqui.attention.referral.completed.v1", topic=CITIZEN_ATTENTION_REFERRALS, subject="referral_id")
class ReferralCompleted(_ReferralEvent):
    """The receiving office finished what the referral asked, on time or not."""

    completed_at: IsoDateTime
    on_time: bool


@event(
    "pe.chasqui.attention.referral.deadline-missed.v1",
    topic=CITIZEN_ATTENTION_REFERRALS,
    subject="referral_id",
)
class ReferralDeadlineMissed(_ReferralEvent):
    """An open referral passed its deadline; announced once per referral, for the office head."""

    from_office: Text | None = None
    due_on: IsoDate
    status: Text = Field(description="pending or accepted: where it stood when the deadline passed")
    office_head_id: Text | None = Field(
        default=None,
        description="The receiving office's head, as `office-head.designated` names them (notifications "
        "tells them); null when the municipality's data file names none",
    )


@event(
    "pe.chasqui.attention.classification-request.registered.v1",
    topic=CITIZEN_ATTENTION_REQUESTS,
    subject="request_id",
)
class ClassificationRequestRegistered(EventPayload):
    """An S100 household classification request was registered at a ULE; the home visit is due."""

    request_id: Text
    municipality: Ubigeo
    citizen_id: Text
    household_id: Text | None = None
    registered_on: IsoDate
    home_visit_due_on: IsoDate
    recipient_person_id: Text | None = Field(
        default=None,
        description="Who notifications tells: the person's id in the registry (or migrant-services); "
        "null when the person is known to neither, or for DEMUNA. Never contact details",
    )


@event(
    "pe.chasqui.attention.classification-request.home-visited.v1",
    topic=CITIZEN_ATTENTION_REQUESTS,
    subject="request_id",
)
class HomeVisitRecorded(EventPayload):
    """The ULE visited the home and filled the FSU (the evaluation); the result is due."""

    request_id: Text
    municipality: Ubigeo
    household_id: Text | None = None
    visited_on: IsoDate
    on_time: bool
    result_due_on: IsoDate
    recipient_person_id: Text | None = Field(
        default=None,
        description="Who notifications tells: the person's id in the registry (or migrant-services); "
        "null when the person is known to neither, or for DEMUNA. Never contact details",
    )


@event(
    "pe.chasqui.attention.classification-request.result-recorded.v1",
    topic=CITIZEN_ATTENTION_REQUESTS,
    subject="request_id",
)
class ClassificationResultRecorded(EventPayload):
    """The household's classification (CSE) resulting from an S100 request, for the registry to take
    as the household's classification in force (docs/adr/0007-ule-classification-result-by-event.md)."""

    request_id: Text
    municipality: Ubigeo
    household_id: Text
    citizen_id: Text
    level: CseLevel
    valid_from: IsoDate
    valid_until: IsoDate
    source: Text = Field(description="Who classified, e.g. 'ULE 150142'")
    recorded_on: IsoDate
    on_time: bool
    recipient_person_id: Text | None = Field(
        default=None,
        description="Who notifications tells: the person's id in the registry (or migrant-services); "
        "null when the person is known to neither, or for DEMUNA. Never contact details",
    )


@event(
    "pe.chasqui.attention.office-head.designated.v1",
    topic=CITIZEN_ATTENTION_REFERRALS,
    subject="office_head_id",
)
class OfficeHeadDesignated(EventPayload):
    """Who heads an office and how to reach them at work, from the municipality's data file: the
    one contact notifications needs to tell the head of a missed referral deadline. Published when
    the data file brings a new or changed head; `referral.deadline-missed` then carries only the
    `office_head_id`. The contact is the office's institutional one (a work mailbox or phone),
    named by role, not by person."""

    office_head_id: Text
    municipality: Ubigeo
    office: Text = Field(description="CIAM, DEMUNA, OMAPED or ULE")
    role: Text = Field(description="How messages address them, e.g. 'Jefatura de la ULE'")
    email: Email | None = None
    phone: PhoneNumber | None = None
    channels: tuple[Text, ...] = Field(
        default=(), description="The channels the municipality designated: email, sms, whatsapp"
    )
