"""What citizen-attention's events mean for the people they concern (issue 15, point 8).

The events carry ids, never contact details: a citizen is told through the contact card that
registry (or migrant-services) events built for `recipient_person_id`, with the consent it holds,
as for `decision.changed` (ADR 0008); a notice for a person without a card yet waits for it. An
office head is told through the card that `office-head.designated` builds from the municipality's
data file (the office's institutional contact, addressed by role; the channels the municipality
designated stand for consent). DEMUNA events carry no recipient (records of minors): nobody is told.

| event | who | template |
|---|---|---|
| `referral.accepted` | the person referred | `attention.referral_accepted` |
| `classification-request.registered` | the applicant | `attention.home_visit_scheduled` |
| `classification-request.home-visited` | the applicant | `attention.home_visit_recorded` |
| `classification-request.result-recorded` | the applicant | `attention.classification_result_ready` |
| `referral.deadline-missed` | the receiving office's head | `attention.referral_deadline_missed` |
| `office-head.designated` | (their card) | none |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chasqui_common.events import citizen_attention as attention
from chasqui_common.events.catalogue import EventPayload
from chasqui_common.events.notifications import DeliveryChannel

from chasqui_notifications.domain.consent import ContactUpdate
from chasqui_notifications.domain.notices import Notice, Reading

OFFICE_NAMES = {
    "CIAM": "el CIAM (Centro Integral del Adulto Mayor)",
    "DEMUNA": "la DEMUNA",
    "OMAPED": "la OMAPED (Oficina Municipal de Atención a la Persona con Discapacidad)",
    "ULE": "la ULE (Unidad Local de Empadronamiento)",
}

OFFICE_SHORT_NAMES = {"CIAM": "el CIAM", "DEMUNA": "la DEMUNA", "OMAPED": "la OMAPED", "ULE": "la ULE"}


def _first_upper(text: str) -> str:
    """`text` with its first letter upper case and the rest as written (Jinja's `capitalize`
    would lower "ULE")."""
    return text[:1].upper() + text[1:]


def _told(person_id: str | None, template: str, context: dict[str, Any]) -> Reading:
    return Reading(notices=[Notice(person_id, template, context)] if person_id else [])


def read_referral_accepted(event: attention.ReferralAccepted, at: datetime) -> Reading:
    if event.confidential:
        return Reading()
    office = event.to_office
    return _told(
        event.recipient_person_id,
        "attention.referral_accepted",
        {
            "office": OFFICE_NAMES.get(office, office),
            "office_cap": _first_upper(OFFICE_NAMES.get(office, office)),
            "office_short": OFFICE_SHORT_NAMES.get(office, office),
            "office_short_cap": _first_upper(OFFICE_SHORT_NAMES.get(office, office)),
            "referral_id": event.referral_id,
        },
    )


def read_request_registered(event: attention.ClassificationRequestRegistered, at: datetime) -> Reading:
    return _told(
        event.recipient_person_id,
        "attention.home_visit_scheduled",
        {"due_on": event.home_visit_due_on, "request_id": event.request_id},
    )


def read_home_visited(event: attention.HomeVisitRecorded, at: datetime) -> Reading:
    return _told(
        event.recipient_person_id,
        "attention.home_visit_recorded",
        {
            "visited_on": event.visited_on,
            "result_due_on": event.result_due_on,
            "request_id": event.request_id,
        },
    )


def read_result_recorded(event: attention.ClassificationResultRecorded, at: datetime) -> Reading:
    # The level itself is not in the message: the household collects its result at the ULE.
    return _told(
        event.recipient_person_id, "attention.classification_result_ready", {"request_id": event.request_id}
    )


def read_deadline_missed(event: attention.ReferralDeadlineMissed, at: datetime) -> Reading:
    office = event.to_office
    context = {
        "office_short": OFFICE_SHORT_NAMES.get(office, office),
        "from_office": OFFICE_SHORT_NAMES.get(event.from_office or ""),
        "due_on": event.due_on,
        "status": "aceptada" if event.status == "accepted" else "pendiente",
        "referral_id": event.referral_id,
    }
    return _told(event.office_head_id, "attention.referral_deadline_missed", context)


def read_office_head(event: attention.OfficeHeadDesignated, at: datetime) -> Reading:
    channels = set(event.channels)
    return Reading(
        updates=[
            ContactUpdate(
                person_id=event.office_head_id,
                at=at,
                given_names=event.role,
                phone=event.phone,
                email=event.email,
                consent={channel: channel.value in channels for channel in DeliveryChannel},
            )
        ]
    )


ATTENTION_READINGS: list[tuple[type[EventPayload], Callable[[Any, datetime], Reading]]] = [
    (attention.ReferralAccepted, read_referral_accepted),
    (attention.ClassificationRequestRegistered, read_request_registered),
    (attention.HomeVisitRecorded, read_home_visited),
    (attention.ClassificationResultRecorded, read_result_recorded),
    (attention.ReferralDeadlineMissed, read_deadline_missed),
    (attention.OfficeHeadDesignated, read_office_head),
]
"""The citizen-attention events notifications reads, and what each means."""
