"""Registry domain rules: documents, ubigeo, heads, dates, and the household's changes."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType, HouseholdStatus, IdentityDocument, Relationship
from chasqui_common.values import validate_document
from chasqui_registry.domain import household as rules
from chasqui_registry.domain import ubigeo
from chasqui_registry.domain.documents import canonical_number, normalize_document
from chasqui_registry.domain.errors import DocumentError, HouseholdNotActive, InvalidHousehold
from chasqui_registry.domain.model import (
    ClassificationDraft,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
)
from pydantic import ValidationError

TODAY = date(2025, 6, 1)


def member(**overrides: Any) -> MemberDraft:
    data: dict[str, Any] = {
        "document": {"type": "DNI", "number": "10117410"},
        "given_names": "Rosa Ñusta",
        "paternal_surname": "Quispe",
        "maternal_surname": "Mamani",
        "birth_date": "1980-03-14",
        "sex": "F",
        "relationship": "HEAD",
    }
    data.update(overrides)
    return MemberDraft.model_validate(data)


def draft(*members: MemberDraft, **overrides: Any) -> HouseholdDraft:
    data: dict[str, Any] = {
        "ubigeo": "150142",
        "address": "Sector 3, Grupo 12, Mz. B Lt. 7",
        "residence_since": "2010-01-01",
        "registering_unit": "ULE-150142",
        "members": list(members) or [member()],
    }
    data.update(overrides)
    return HouseholdDraft.model_validate(data)


def ids() -> Any:
    counter = count(1)
    return lambda: f"p{next(counter)}"


def fields(violations: list[Any]) -> list[str]:
    return [v.field for v in violations]


# Document rules themselves are the shared ones (libs/common tests them, one definition per type);
# these tests hold the registry to them: drafts refuse what the rule refuses, on the member's field.


def test_dni_keeps_its_eight_digit_cui() -> None:
    assert validate_document(DocumentType.DNI, "10117410-2") == "10117410"
    assert member(document={"type": "DNI", "number": "10117410-2"}).document.number == "10117410"
    assert canonical_number(DocumentType.DNI, "10117410") == "10117410"


BAD_DOCUMENTS = [
    ("DNI", "10117410-3"),  # wrong check character
    ("DNI", "1011741"),
    ("DNI", "1011741A"),
    ("DNI", ""),
    ("DNI", None),
    ("DNI", "١٠١١٧٤١٠"),  # 8 digits, but not ASCII ones
    ("NONE", "123"),
    ("CE", "12*45"),
    ("PASSPORT", "AB1234567890123X"),  # 16 characters
]


@pytest.mark.parametrize(("kind", "number"), BAD_DOCUMENTS)
def test_bad_documents_are_refused_by_the_shared_rule_on_the_members_field(
    kind: str, number: str | None
) -> None:
    with pytest.raises(InvalidValue) as shared:
        validate_document(kind, number)
    # The registry's check (used where documents are assembled without validation, e.g. the
    # import's fast path) says the same, on the member's field path.
    with pytest.raises(DocumentError) as caught:
        normalize_document(
            IdentityDocument.model_construct(type=DocumentType(kind), number=number), "members.0.document"
        )
    assert caught.value.violation.field == "members.0.document.number"
    assert caught.value.violation.expected == shared.value.expected
    # A body or a JSONL line with it is refused by the model, naming the number.
    with pytest.raises(ValidationError) as refused:
        member(document={"type": kind, "number": number})
    assert [e["loc"] for e in refused.value.errors()] == [("document", "number")]


def test_migrant_documents_are_alphanumeric_uppercased_and_a_13_character_passport_fits() -> None:
    assert member(document={"type": "CPP", "number": "ab12345c"}).document.number == "AB12345C"
    assert member(document={"type": "PASSPORT", "number": "AB12345678901"}).document.number == "AB12345678901"
    assert member(document={"type": "NONE"}).document.number is None


def test_ubigeo_is_checked_at_district_level() -> None:
    assert ubigeo.district_name("150142") == "Villa El Salvador"
    assert ubigeo.is_known("150132")
    assert ubigeo.is_known("110101")
    assert ubigeo.is_known("080101")
    assert not ubigeo.is_known("150199")
    assert not ubigeo.is_known("999999")
    # A spurious duplicate of the INEI table (Huaribamba is 090709): the shared rule removes it.
    assert not ubigeo.is_known("090708")
    assert ubigeo.district_name("090709") == "Huaribamba"


def test_a_valid_household_registers_with_ids_and_canonical_documents() -> None:
    registered = rules.register(
        draft(member(document={"type": "DNI", "number": "10117410-2"})),
        household_id="h1",
        new_id=ids(),
        today=TODAY,
    )
    assert registered.status is HouseholdStatus.ACTIVE
    assert registered.members[0].person_id == "p1"
    assert registered.members[0].document.number == "10117410"


def test_a_household_needs_a_head() -> None:
    violations = rules.household_violations(draft(member(relationship="SPOUSE")), TODAY)
    assert "members" in fields(violations)


def test_a_household_has_only_one_head() -> None:
    two = draft(member(), member(document={"type": "NONE"}, given_names="Juan"))
    violations = rules.household_violations(two, TODAY)
    assert fields(violations) == ["members.1.relationship"]


def test_unknown_ubigeo_is_named() -> None:
    violations = rules.household_violations(draft(ubigeo="150199"), TODAY)
    assert [(v.field, v.value) for v in violations] == [("ubigeo", "150199")]


def test_birth_date_in_the_future_is_refused() -> None:
    violations = rules.household_violations(draft(member(birth_date="2030-01-01")), TODAY)
    assert fields(violations) == ["members.0.birth_date"]


def test_only_a_woman_can_be_pregnant() -> None:
    violations = rules.household_violations(draft(member(sex="M", pregnant=True)), TODAY)
    assert fields(violations) == ["members.0.pregnant"]


def test_consent_needs_the_channel() -> None:
    violations = rules.household_violations(draft(member(contact={"consent": {"whatsapp": True}})), TODAY)
    assert fields(violations) == ["members.0.contact.consent.whatsapp"]


def test_sms_and_whatsapp_consent_need_a_mobile_number() -> None:
    landline = {"phone": "(01) 412-3456", "consent": {"sms": True, "whatsapp": True, "email": False}}
    violations = rules.household_violations(draft(member(contact=landline)), TODAY)
    assert fields(violations) == ["members.0.contact.consent.sms", "members.0.contact.consent.whatsapp"]
    mobile = member(contact={"phone": "0051987654321", "consent": {"sms": True}})
    assert mobile.contact.phone == "+51987654321"
    assert rules.household_violations(draft(mobile), TODAY) == []
    # A landline without SMS or WhatsApp consent is fine.
    assert rules.household_violations(draft(member(contact={"phone": "014123456"})), TODAY) == []


def test_a_document_appears_once_per_household() -> None:
    twice = draft(member(), member(relationship="CHILD", birth_date="2010-01-01"))
    assert fields(rules.household_violations(twice, TODAY)) == ["members.1.document.number"]


def test_classification_must_end_after_it_starts() -> None:
    bad = ClassificationDraft(
        level="POBRE", valid_from=date(2025, 1, 1), valid_until=date(2024, 1, 1), source="ULE"
    )
    with pytest.raises(InvalidHousehold):
        rules.classify(rules.register(draft(), household_id="h", new_id=ids(), today=TODAY), bad)


def test_update_reports_only_what_changed() -> None:
    household = rules.register(draft(), household_id="h", new_id=ids(), today=TODAY)
    change = rules.update(
        household, HouseholdPatch(address="Av. Revolución 123", ubigeo="150142"), today=TODAY
    )
    assert change.changed == ("address",)
    assert change.household.address == "Av. Revolución 123"


def test_member_update_lists_changed_fields_and_keeps_one_head() -> None:
    household = rules.register(
        draft(member(), member(document={"type": "NONE"}, relationship="CHILD", birth_date="2015-05-05")),
        household_id="h",
        new_id=ids(),
        today=TODAY,
    )
    change = rules.update_member(
        household, "p2", MemberPatch(pregnant=False, given_names="Killa"), today=TODAY
    )
    assert change.changed == ("given_names",)
    with pytest.raises(InvalidHousehold):
        rules.update_member(household, "p2", MemberPatch(relationship=Relationship.HEAD), today=TODAY)


def test_the_head_cannot_be_removed_but_others_can() -> None:
    household = rules.register(
        draft(member(), member(document={"type": "NONE"}, relationship="CHILD", birth_date="2015-05-05")),
        household_id="h",
        new_id=ids(),
        today=TODAY,
    )
    with pytest.raises(InvalidHousehold):
        rules.remove_member(household, "p1")
    assert [m.person_id for m in rules.remove_member(household, "p2").household.members] == ["p1"]


def test_a_deregistered_household_cannot_change() -> None:
    household = rules.deregister(
        rules.register(draft(), household_id="h", new_id=ids(), today=TODAY)
    ).household
    with pytest.raises(HouseholdNotActive):
        rules.update(household, HouseholdPatch(address="x"), today=TODAY)
