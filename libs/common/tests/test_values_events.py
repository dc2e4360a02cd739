"""Consumed events are an entry point: a bad value in a payload names field, value and expectation."""

from __future__ import annotations

from typing import Any

import pytest
from chasqui_common.events import migrants, registry
from chasqui_common.messaging.consumer import describe_validation_error
from chasqui_common.values import ONE_LINE_EXPECTED, PHONE_EXPECTED, UBIGEO_EXPECTED
from pydantic import ValidationError


def member(**changes: Any) -> dict[str, Any]:
    return {
        "person_id": "p-1",
        "document": {"type": "DNI", "number": "10117410"},
        "given_names": "Ana María",
        "birth_date": "1958-03-14",
        "sex": "F",
        "relationship": "HEAD",
        **changes,
    }


def household(**changes: Any) -> dict[str, Any]:
    return {
        "household_id": "h-1",
        "household": {
            "household_id": "h-1",
            "ubigeo": "090709",
            "address": "Av. O’Higgins 120 – Mz. Ñ",
            "residence_since": "2010-01-01",
            "registering_unit": "ULE-0907",
            "members": [member()],
            **changes,
        },
    }


def refused(model: Any, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return describe_validation_error("pe.chasqui.test", caught.value)


def test_a_valid_household_event_is_read_and_normalised() -> None:
    data = household(
        members=[member(contact={"phone": "987 654 321"}, document={"type": "DNI", "number": "10117410-2"})]
    )
    event = registry.HouseholdRegistered.model_validate(data)
    (head,) = event.household.members
    assert head.contact.phone == "+51987654321"
    assert head.document.number == "10117410"


@pytest.mark.parametrize(
    ("changes", "where", "expected"),
    [
        ({"ubigeo": "090708"}, "household.ubigeo", UBIGEO_EXPECTED),
        ({"address": "Av.\x00 Lima"}, "household.address", ONE_LINE_EXPECTED),
        (
            {"members": [member(given_names="Ana\x00Maria")]},
            "household.members.0.given_names",
            ONE_LINE_EXPECTED,
        ),
        ({"members": [member(birth_date=0)]}, "household.members.0.birth_date", "YYYY-MM-DD"),
        ({"members": [member(birth_date="86400")]}, "household.members.0.birth_date", "YYYY-MM-DD"),
        (
            {"members": [member(contact={"phone": "+5198765432"})]},
            "household.members.0.contact.phone",
            PHONE_EXPECTED,
        ),
    ],
)
def test_a_bad_value_in_a_registry_event_names_field_value_and_expectation(
    changes: dict[str, Any], where: str, expected: str
) -> None:
    reason = refused(registry.HouseholdRegistered, household(**changes))
    assert where in reason
    assert expected in reason


def identity(**changes: Any) -> dict[str, Any]:
    return {
        "migrant_id": "m-1",
        "document": {"type": "PASSPORT", "number": "AB1234567890C"},
        "given_names": "José",
        "birth_date": "1990-05-01",
        "nationality": "VEN",
        "contact": {"phone": "+58 412 1234567"},
        **changes,
    }


def referral(**changes: Any) -> dict[str, Any]:
    return {
        "referral_id": "r-1",
        "case_id": "c-1",
        "migrant_id": "m-1",
        "target": "employment",
        "attention_point": "MIGRACENTRO-LIMA",
        "attention_point_ubigeo": "150101",
        "issued_at": "2024-03-14T09:30:00-05:00",
        "notes": "Primera línea\nsegunda línea",
        "person": identity(),
        **changes,
    }


def test_a_referral_with_a_13_character_passport_is_read() -> None:
    # issue 13 §5: this referral was dead-lettered by employment (passports 6-12 there)
    event = migrants.ReferralIssued.model_validate(referral())
    assert event.person.document.number == "AB1234567890C"
    assert event.person.contact.phone == "+584121234567"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"issued_at": "2024-03-14T09:30:00"}, "issued_at"),
        ({"attention_point_ubigeo": "090712"}, "attention_point_ubigeo"),
        ({"person": identity(document={"type": "PASSPORT", "number": "A" * 16})}, "person.document.number"),
        (
            {"person": identity(document={"type": "REFUGEE_APPLICANT", "number": "1"})},
            "person.document.number",
        ),
        ({"notes": "a\x00b"}, "notes"),
    ],
)
def test_a_bad_value_in_a_migrants_event_names_the_field(changes: dict[str, Any], where: str) -> None:
    assert where in refused(migrants.ReferralIssued, referral(**changes))


def test_document_expiring_checks_the_number_against_its_type() -> None:
    data = {
        "migrant_id": "m-1",
        "document_type": "CPP",
        "document_number": "cpp-0000-0012",
        "expires_on": "2024-04-01",
        "days_left": 18,
        "given_names": "José",
    }
    assert migrants.DocumentExpiring.model_validate(data).document_number == "CPP00000012"
    reason = refused(migrants.DocumentExpiring, {**data, "document_number": "12"})
    assert "document_number" in reason
    assert "6 to 12 letters or digits" in reason
