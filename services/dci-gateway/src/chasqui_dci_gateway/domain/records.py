"""The DCI social `Person` record the gateway answers with, and the fields a sender may receive.

A sender is entitled to a set of record fields (Ley 29733: minimise); every other field of a record
is left out of what it receives, and it cannot filter or sort on what it may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

RECORD_FIELDS: dict[str, str] = {
    "identifier": "the member's identity document (identifier_type, identifier_value)",
    "name": "given names and surnames",
    "birth_date": "date of birth",
    "sex": "sex (female, male)",
    "relationship": "relationship to the household head",
    "address": "address and INEI ubigeo (district, province, department)",
    "phone_number": "phone in E.164",
    "email": "e-mail address",
    "household_identifier": "the registry's household id and the date of its last change",
    "household_status": "active or deregistered",
    "cse": "the household's socioeconomic classification (CSE) and its validity",
    "disability": "disability severity and CONADIS certification (sensitive)",
    "pregnant": "pregnancy (sensitive: health)",
    "pension": "contributory pension",
}
SENSITIVE_FIELDS = frozenset({"disability", "pregnant"})


@dataclass(frozen=True)
class PersonRecord:
    """One registry member as a DCI `Person`; a field the sender may not see is None."""

    person_id: str
    identifier_type: str | None = None
    identifier_value: str | None = None
    given_name: str | None = None
    surname: str | None = None
    second_surname: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    relationship: str | None = None
    address_line: str | None = None
    ubigeo: str | None = None
    phone_number: str | None = None
    email: str | None = None
    household_identifier: str | None = None
    household_status: str | None = None
    cse_level: str | None = None
    cse_valid_from: date | None = None
    cse_valid_until: date | None = None
    disability_severity: str | None = None
    disability_certified: bool | None = None
    pregnant: bool | None = None
    pension: str | None = None
    registration_date: datetime | None = None
    last_updated: datetime | None = None


_FIELD_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "identifier": ("identifier_type", "identifier_value"),
    "name": ("given_name", "surname", "second_surname"),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "relationship": ("relationship",),
    "address": ("address_line", "ubigeo"),
    "phone_number": ("phone_number",),
    "email": ("email",),
    "household_identifier": ("household_identifier", "registration_date", "last_updated"),
    "household_status": ("household_status",),
    "cse": ("cse_level", "cse_valid_from", "cse_valid_until"),
    "disability": ("disability_severity", "disability_certified"),
    "pregnant": ("pregnant",),
    "pension": ("pension",),
}


def entitled_view(record: PersonRecord, entitled: frozenset[str]) -> PersonRecord:
    """`record` with every field outside `entitled` blanked (person_id stays: it is the record key
    of the access log, never sent)."""
    blanked: dict[str, Any] = {
        attribute: None
        for field, attributes in _FIELD_ATTRIBUTES.items()
        if field not in entitled
        for attribute in attributes
    }
    return replace(record, **blanked)


def unknown_fields(fields: frozenset[str]) -> list[str]:
    return sorted(fields - RECORD_FIELDS.keys())
