"""Synthetic registry households: builders for tests and a seeded population for benchmarks."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from chasqui_common.events.registry import (
    Classification,
    Consent,
    Contact,
    CseLevel,
    Disability,
    DisabilitySeverity,
    DocumentType,
    Education,
    Household,
    IdentityDocument,
    Member,
    Pension,
    Relationship,
    Sex,
)

DEPARTMENTS = ("01", "02", "03", "04", "05", "06", "08", "11", "12", "13", "14", "15", "20", "21", "25")


def member(
    person_id: str,
    birth_date: date,
    *,
    document: DocumentType = DocumentType.DNI,
    relationship: Relationship = Relationship.HEAD,
    pregnant: bool = False,
    pension: Pension = Pension.NONE,
    disability: DisabilitySeverity = DisabilitySeverity.NONE,
    certified: bool = False,
    secondary_last_year: bool = False,
    secondary_completed: bool = False,
    given_names: str = "Rosa",
    phone: str | None = "+51987654321",
    sms: bool = True,
) -> Member:
    return Member(
        person_id=person_id,
        document=IdentityDocument(
            type=document, number="12345678" if document == DocumentType.DNI else "X12345"
        ),
        given_names=given_names,
        paternal_surname="Quispe",
        maternal_surname="Mamani",
        birth_date=birth_date,
        sex=Sex.FEMALE,
        relationship=relationship,
        disability=Disability(severity=disability, certified=certified),
        pregnant=pregnant,
        pension=pension,
        education=Education(secondary_last_year=secondary_last_year, secondary_completed=secondary_completed),
        contact=Contact(phone=phone, consent=Consent(sms=sms)),
    )


def household(
    household_id: str,
    members: list[Member],
    *,
    cse: CseLevel | None = CseLevel.POBRE_EXTREMO,
    cse_from: date = date(2024, 1, 1),
    cse_until: date = date(2027, 12, 31),
    residence_since: date = date(2020, 1, 1),
    ubigeo: str = "080101",
    **extra: Any,
) -> Household:
    classification = (
        None
        if cse is None
        else Classification(level=cse, valid_from=cse_from, valid_until=cse_until, source="ULE")
    )
    return Household(
        household_id=household_id,
        ubigeo=ubigeo,
        address="Jr. Los Incas 123",
        residence_since=residence_since,
        registering_unit="ULE-080101",
        classification=classification,
        members=tuple(members),
        **extra,
    )


def population(
    size: int, *, seed: int = 7, today: date = date(2026, 3, 1), prefix: str = "HH"
) -> list[Household]:
    """`size` households with a plausible spread of ages, CSE, disabilities and pensions."""
    rng = random.Random(seed)
    levels = [CseLevel.POBRE_EXTREMO, CseLevel.POBRE, CseLevel.NO_POBRE, None]
    result = []
    for i in range(size):
        hh_id = f"{prefix}{i:07d}"
        members = []
        for j in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6))):
            age_days = rng.randint(0, 95 * 365)
            members.append(
                member(
                    f"{hh_id}-{j}",
                    today - timedelta(days=age_days),
                    document=rng.choice((DocumentType.DNI,) * 8 + (DocumentType.CE, DocumentType.CPP)),
                    relationship=Relationship.HEAD if j == 0 else Relationship.CHILD,
                    pregnant=rng.random() < 0.04,
                    pension=rng.choice((Pension.NONE,) * 6 + (Pension.ONP, Pension.AFP)),
                    disability=rng.choice((DisabilitySeverity.NONE,) * 12 + tuple(DisabilitySeverity)[1:]),
                    certified=rng.random() < 0.6,
                    secondary_last_year=rng.random() < 0.1,
                    secondary_completed=rng.random() < 0.3,
                )
            )
        start = today - timedelta(days=rng.randint(0, 4 * 365))
        result.append(
            household(
                hh_id,
                members,
                cse=rng.choice(levels),
                cse_from=start,
                cse_until=start + timedelta(days=3 * 365),
                residence_since=today - timedelta(days=rng.randint(0, 20 * 365)),
                ubigeo=rng.choice(DEPARTMENTS) + "0101",
            )
        )
    return result
