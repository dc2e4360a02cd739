"""Upstream events about test people with unique ids, phones and e-mail addresses."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from chasqui_common.events import eligibility, employment, migrants, registry


@dataclass(frozen=True)
class Person:
    person_id: str
    phone: str
    email: str
    given_names: str = "Yusmely"

    def contact(self, *, sms: bool = True, email: bool = True, whatsapp: bool = False) -> registry.Contact:
        return registry.Contact(
            phone=self.phone,
            email=self.email,
            consent=registry.Consent(sms=sms, email=email, whatsapp=whatsapp),
        )


def person(prefix: str = "mig") -> Person:
    ident = uuid.uuid4().hex[:12]
    return Person(f"{prefix}-{ident}", f"+519{random.randint(10**7, 10**8 - 1)}", f"{ident}@correo.pe")


def appointment(p: Person, **consent: bool) -> migrants.AppointmentScheduled:
    return migrants.AppointmentScheduled(
        appointment_id=f"ap-{uuid.uuid4().hex[:8]}",
        migrant_id=p.person_id,
        attention_point="MC-ATE",
        attention_point_name="Migracentro Puruchuco-Ate",
        address="Carretera Central km 4.5, Ate",
        service=migrants.CaseService.EMPLOYMENT_ORIENTATION,
        day=date(2025, 6, 10),
        starts_at=datetime(2025, 6, 10, 14, tzinfo=UTC),
        contact=p.contact(**consent),
        given_names=p.given_names,
    )


def cancellation(p: Person, **consent: bool) -> migrants.AppointmentCancelled:
    return migrants.AppointmentCancelled(
        appointment_id=f"ap-{uuid.uuid4().hex[:8]}",
        migrant_id=p.person_id,
        attention_point="MC-ICA",
        attention_point_name="Migracentro Ica",
        service=migrants.CaseService.DOCUMENT_PROCEDURE,
        day=date(2025, 6, 11),
        reason="cierre del local por feriado",
        contact=p.contact(**consent),
        given_names=p.given_names,
    )


def expiring(p: Person, **consent: bool) -> migrants.DocumentExpiring:
    return migrants.DocumentExpiring(
        migrant_id=p.person_id,
        document_type=registry.DocumentType.CPP,
        document_number="CPP123456",
        expires_on=date(2025, 7, 1),
        days_left=28,
        given_names=p.given_names,
        contact=p.contact(**consent),
    )


def household(p: Person, **consent: bool) -> registry.HouseholdRegistered:
    hh = f"hh-{uuid.uuid4().hex[:8]}"
    member = registry.Member(
        person_id=p.person_id,
        document=registry.IdentityDocument(type=registry.DocumentType.DNI, number="45678912"),
        given_names=p.given_names,
        paternal_surname="Quispe",
        birth_date=date(1955, 3, 2),
        sex=registry.Sex.FEMALE,
        relationship=registry.Relationship.HEAD,
        contact=p.contact(**consent),
    )
    return registry.HouseholdRegistered(
        household_id=hh,
        household=registry.Household(
            household_id=hh,
            ubigeo="080101",
            address="Jr. Puno 123",
            residence_since=date(2000, 1, 1),
            registering_unit="ULE-080101",
            members=(member,),
        ),
    )


def decision(
    p: Person, program: str, *, eligible: bool = True, previous: bool = False
) -> eligibility.DecisionChanged:
    return eligibility.DecisionChanged(
        decision_id=f"d-{uuid.uuid4().hex[:8]}",
        household_id=f"hh-{uuid.uuid4().hex[:8]}",
        program=program,
        person_id=p.person_id,
        eligible=eligible,
        previous_eligible=previous,
        benefit_kind=eligibility.BenefitKind.CASH,
        benefit_amount_centimos=35000 if eligible else None,
        benefit_period_months=2,
        rule_set_version="2025.1",
        as_of=date(2025, 6, 1),
        cause=eligibility.DecisionCause.REGISTRY_EVENT,
        recipient_person_id=p.person_id,
    )


def seeker(p: Person, *, consent_to_contact: bool = True) -> employment.JobSeekerRegistered:
    return employment.JobSeekerRegistered(
        seeker_id=f"js-{uuid.uuid4().hex[:8]}",
        person_id=p.person_id,
        document=registry.IdentityDocument(type=registry.DocumentType.DNI, number="71234567"),
        given_names=p.given_names,
        ubigeo="150103",
        contact=p.contact(),
        consent_to_contact=consent_to_contact,
    )


def match(p: Person, seeker_id: str) -> employment.MatchProposed:
    return employment.MatchProposed(
        seeker_id=seeker_id,
        person_id=p.person_id,
        vacancy_id=f"v-{uuid.uuid4().hex[:8]}",
        title="Operario de almacén",
        occupation_code="9333",
        ubigeo="150103",
        formal=True,
        score=87,
        components=(),
    )


def placement(p: Person, seeker_id: str) -> employment.PlacementConfirmed:
    return employment.PlacementConfirmed(
        placement_id=f"pl-{uuid.uuid4().hex[:8]}",
        seeker_id=seeker_id,
        person_id=p.person_id,
        vacancy_id=f"v-{uuid.uuid4().hex[:8]}",
        employer_ruc="20100047218",
        occupation_code="9333",
        ubigeo="150103",
        formal=True,
        start_date=date(2025, 6, 16),
        monthly_salary=1200,
    )


def moved_in(p: Person, **consent: bool) -> registry.MemberAdded:
    """`p` (same person_id: the registry keeps it) joins another household, e.g. a son's."""
    registered = household(p, **consent)
    member = registered.household.members[0].model_copy(update={"relationship": registry.Relationship.PARENT})
    son = member.model_copy(
        update={
            "person_id": f"per-{uuid.uuid4().hex[:12]}",
            "document": registry.IdentityDocument(type=registry.DocumentType.DNI, number="41234567"),
            "given_names": "Julio",
            "birth_date": date(1980, 5, 20),
            "sex": registry.Sex.MALE,
            "relationship": registry.Relationship.HEAD,
            "contact": registry.Contact(),
        }
    )
    hh = registered.household.model_copy(update={"members": (son, member)})
    return registry.MemberAdded(household_id=hh.household_id, person_id=p.person_id, household=hh)
