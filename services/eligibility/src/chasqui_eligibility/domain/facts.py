"""Facts a rule can see, derived from a household snapshot on an evaluation date.

Ages are exact: a birthday is reached when (month, day) of the evaluation date is on or after
the (month, day) of birth. Someone born on 29 February therefore reaches each new age on
1 March in common years (28 February is still before their birthday) and on 29 February in
leap years. Months of age follow the same rule for the day of the month: born on the 31st,
a month is completed on the 1st of the following month when the month is shorter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chasqui_common.events.registry import Household, HouseholdStatus, Member

NO_CSE = ""


def age_in_years(birth: date, on: date) -> int:
    """Completed years of life on `on` (birthday reached); 29 February counts from 1 March."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def age_in_months(birth: date, on: date) -> int:
    """Completed months of life on `on`: a month completes when the day of birth is reached."""
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    if on.day < birth.day:
        months -= 1
    return months


def person_facts(member: Member, on: date) -> dict[str, Any]:
    """What `person.<field>` (and `m.<field>` inside household.members macros) reads."""
    return {
        "person_id": member.person_id,
        "age_years": age_in_years(member.birth_date, on),
        "age_months": age_in_months(member.birth_date, on),
        "document_type": member.document.type.value,
        "pension": member.pension.value,
        "disability_severity": member.disability.severity.value,
        "disability_certified": member.disability.certified,
        "pregnant": member.pregnant,
        "secondary_last_year": member.education.secondary_last_year,
        "secondary_completed": member.education.secondary_completed,
        "in_school": member.education.in_school,
    }


def household_facts(household: Household, on: date) -> dict[str, Any]:
    """What `household.<field>` reads. A CSE is valid from `valid_from` to `valid_until`, both
    inclusive; `cse_days_left` is 0 on the last valid day and negative once expired."""
    cse = household.classification
    has_cse = cse is not None
    return {
        "household_id": household.household_id,
        "active": household.status == HouseholdStatus.ACTIVE,
        "department": household.ubigeo[:2],
        "has_cse": has_cse,
        "cse_level": cse.level.value if cse is not None else NO_CSE,
        "cse_valid": cse is not None and cse.valid_from <= on <= cse.valid_until,
        "cse_days_left": (cse.valid_until - on).days if cse is not None else 0,
        "residence_months": age_in_months(household.residence_since, on),
        "members": [person_facts(member, on) for member in household.members],
    }


# The fields each level offers, for validating rule expressions and building columns.
PERSON_FIELDS = (
    "age_years",
    "age_months",
    "document_type",
    "pension",
    "disability_severity",
    "disability_certified",
    "pregnant",
    "secondary_last_year",
    "secondary_completed",
    "in_school",
)
HOUSEHOLD_FIELDS = (
    "active",
    "department",
    "has_cse",
    "cse_level",
    "cse_valid",
    "cse_days_left",
    "residence_months",
)
