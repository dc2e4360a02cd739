"""What each upstream event means for the people it concerns: contact updates and notices.

A notice names the person, the template and the facts the template needs; which channels it
goes to is decided later against the person's contact card (see delivery.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chasqui_common.events import eligibility, employment, migrants, registry
from chasqui_common.events.notifications import DeliveryChannel

from chasqui_notifications.domain.consent import ContactUpdate

ULE_RECLASSIFICATION = "ULE_RECLASSIFICATION"

PROGRAM_NAMES = {
    "PENSION_65": "Pensión 65",
    "PENSION65": "Pensión 65",
    "JUNTOS": "JUNTOS",
    "CONTIGO": "Contigo",
    "CUNA_MAS": "Cuna Más",
    "CUNA_MAS_DAYCARE": "Cuna Más (cuidado diurno)",
    "CUNA_MAS_HOME_VISITS": "Cuna Más (acompañamiento a familias)",
    "BECA_18": "Beca 18",
    "BECA18": "Beca 18",
    "CIAM": "CIAM (Centro Integral del Adulto Mayor)",
    "OMAPED": "OMAPED",
    "DEMUNA": "DEMUNA",
    "ULE_RECLASSIFICATION": "Reclasificación socioeconómica (ULE)",
}

SERVICE_NAMES = {
    migrants.CaseService.DOCUMENT_PROCEDURE: "trámite de documentos",
    migrants.CaseService.REFUGEE_GUIDANCE: "orientación sobre refugio",
    migrants.CaseService.EMPLOYMENT_ORIENTATION: "orientación laboral",
    migrants.CaseService.HEALTH_AFFILIATION: "afiliación a salud",
    migrants.CaseService.EDUCATION_VALIDATION: "convalidación de estudios",
    migrants.CaseService.SOCIAL_PROGRAMS_REGISTRATION: "registro en programas sociales",
}

DOCUMENT_NAMES = {
    registry.DocumentType.CPP: "Carné de Permiso Temporal de Permanencia (CPP)",
    registry.DocumentType.PTP: "Permiso Temporal de Permanencia (PTP)",
    registry.DocumentType.CE: "Carné de Extranjería",
    registry.DocumentType.DNI: "DNI",
    registry.DocumentType.PASSPORT: "pasaporte",
    registry.DocumentType.REFUGEE_APPLICANT: "carné de solicitante de refugio",
}


DOCUMENT_SHORT_NAMES = {
    registry.DocumentType.CPP: "CPP",
    registry.DocumentType.PTP: "PTP",
    registry.DocumentType.CE: "Carné de Extranjería",
    registry.DocumentType.DNI: "DNI",
    registry.DocumentType.PASSPORT: "pasaporte",
    registry.DocumentType.REFUGEE_APPLICANT: "carné de solicitante",
}


@dataclass(frozen=True)
class Notice:
    """Tell `person_id` what template `template` says about `context`."""

    person_id: str
    template: str
    context: dict[str, Any]
    needs_employment_contact: bool = False


@dataclass(frozen=True)
class Reading:
    """What one event teaches (contact updates) and asks (notices)."""

    updates: list[ContactUpdate] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def program_name(code: str) -> str:
    return PROGRAM_NAMES.get(code.upper(), code.replace("_", " ").title())


def _consent(contact: registry.Contact) -> dict[DeliveryChannel, bool]:
    return {
        DeliveryChannel.SMS: contact.consent.sms,
        DeliveryChannel.EMAIL: contact.consent.email,
        DeliveryChannel.WHATSAPP: contact.consent.whatsapp,
    }


def _update(
    person_id: str, at: datetime, given_names: str | None, contact: registry.Contact
) -> ContactUpdate:
    return ContactUpdate(
        person_id=person_id,
        at=at,
        given_names=given_names,
        phone=contact.phone,
        email=contact.email,
        consent=_consent(contact),
    )


HouseholdSnapshot = (
    registry.HouseholdRegistered
    | registry.HouseholdUpdated
    | registry.MemberAdded
    | registry.MemberUpdated
    | registry.HouseholdClassified
)


def read_household(event: HouseholdSnapshot, at: datetime) -> Reading:
    """Registry snapshots: every member's contact and consent (registry events notify nobody)."""
    return Reading(
        updates=[_update(m.person_id, at, m.given_names, m.contact) for m in event.household.members]
    )


def read_decision(event: eligibility.DecisionChanged, at: datetime) -> Reading:
    """A decision tells `recipient_person_id` (the person decided about, or the head of household)
    on the channels of their contact card: the event carries no contact details (ADR 0008), so the
    card built from registry, migrant and employment events, and its consent, decide the channels;
    the name in the greeting comes from the card too."""
    person_id = event.recipient_person_id
    if person_id is None:
        return Reading()  # nobody to tell (e.g. a household program without a known head)
    context: dict[str, Any] = {
        "program": program_name(event.program),
        "program_code": event.program,
        "amount": _soles(event.benefit_amount_centimos),
        "previous_amount": _soles(event.previous_benefit_amount_centimos),
        "period_months": event.benefit_period_months,
        "benefit_kind": event.benefit_kind.value,
        "as_of": event.as_of,
    }
    if event.program.upper() == ULE_RECLASSIFICATION:
        # Eligibility says "needs reclassification" as an eligible decision; its end says nothing.
        template = "registry.ule_reclassification" if event.eligible else None
    elif event.eligible and not event.previous_eligible:
        template = "eligibility.decision_gained"
    elif not event.eligible and event.previous_eligible:
        template = "eligibility.decision_lost"
    elif event.eligible and event.benefit_amount_centimos != event.previous_benefit_amount_centimos:
        template = "eligibility.benefit_changed"
    else:
        template = None
    return Reading(notices=[Notice(person_id, template, context)] if template else [])


def read_migrant_registered(event: migrants.MigrantRegistered, at: datetime) -> Reading:
    person = event.person
    return Reading(updates=[_update(event.migrant_id, at, person.given_names, person.contact)])


def read_referral(event: migrants.ReferralIssued, at: datetime) -> Reading:
    person = event.person
    return Reading(updates=[_update(event.migrant_id, at, person.given_names, person.contact)])


def read_appointment_scheduled(event: migrants.AppointmentScheduled, at: datetime) -> Reading:
    context = {
        "given_names": event.given_names,
        "attention_point_name": event.attention_point_name,
        "address": event.address,
        "service": SERVICE_NAMES.get(event.service, event.service.value),
        "day": event.day,
        "starts_at": event.starts_at,
        "appointment_id": event.appointment_id,
    }
    return Reading(
        updates=[_update(event.migrant_id, at, event.given_names, event.contact)],
        notices=[Notice(event.migrant_id, "migrants.appointment_scheduled", context)],
    )


def read_appointment_cancelled(event: migrants.AppointmentCancelled, at: datetime) -> Reading:
    context = {
        "given_names": event.given_names,
        "attention_point_name": event.attention_point_name,
        "service": SERVICE_NAMES.get(event.service, event.service.value),
        "day": event.day,
        "reason": event.reason,
        "appointment_id": event.appointment_id,
    }
    return Reading(
        updates=[_update(event.migrant_id, at, event.given_names, event.contact)],
        notices=[Notice(event.migrant_id, "migrants.appointment_cancelled", context)],
    )


def read_document_expiring(event: migrants.DocumentExpiring, at: datetime) -> Reading:
    context = {
        "given_names": event.given_names,
        "document": DOCUMENT_NAMES.get(event.document_type, event.document_type.value),
        "document_short": DOCUMENT_SHORT_NAMES.get(event.document_type, event.document_type.value),
        "expires_on": event.expires_on,
        "days_left": event.days_left,
    }
    return Reading(
        updates=[_update(event.migrant_id, at, event.given_names, event.contact)],
        notices=[Notice(event.migrant_id, "migrants.document_expiring", context)],
    )


def read_job_seeker(
    event: employment.JobSeekerRegistered | employment.JobSeekerUpdated, at: datetime
) -> Reading:
    update = _update(event.person_id, at, event.given_names, event.contact)
    return Reading(
        updates=[
            ContactUpdate(
                person_id=update.person_id,
                at=at,
                given_names=update.given_names,
                phone=update.phone,
                email=update.email,
                consent=update.consent,
                employment_contact=event.consent_to_contact,
            )
        ]
    )


def read_match(event: employment.MatchProposed, at: datetime) -> Reading:
    context = {
        "title": event.title,
        "formal": event.formal,
        "score": event.score,
        "vacancy_id": event.vacancy_id,
        "ubigeo": event.ubigeo,
    }
    return Reading(
        notices=[Notice(event.person_id, "employment.match_proposed", context, needs_employment_contact=True)]
    )


def read_placement(event: employment.PlacementConfirmed, at: datetime) -> Reading:
    context = {
        "formal": event.formal,
        "start_date": event.start_date,
        "monthly_salary": _soles(event.monthly_salary * 100) if event.monthly_salary else None,
        "vacancy_id": event.vacancy_id,
    }
    return Reading(notices=[Notice(event.person_id, "employment.placement_confirmed", context)])


def _soles(centimos: int | None) -> str | None:
    if centimos is None:
        return None
    whole, cents = divmod(centimos, 100)
    return f"S/ {whole:,}.{cents:02d}"


def greeting(given_names: str | None) -> str:
    return f"Hola {given_names.strip()}" if given_names and given_names.strip() else "Hola"
