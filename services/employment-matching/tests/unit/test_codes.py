"""Documents, RUC, ubigeo, occupation codes and skill tags."""

from __future__ import annotations

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType
from chasqui_employment_matching.domain.codes import (
    channel_consent,
    check_occupation,
    department_name,
    normalise_document,
    normalise_ruc,
    normalise_skills,
)
from chasqui_employment_matching.domain.scoring import location_level


def test_a_dni_is_validated_with_its_optional_check_character() -> None:
    assert normalise_document("document", DocumentType.DNI, "10117410") == "10117410"
    assert normalise_document("document", DocumentType.DNI, "10117410-2") == "10117410"
    with pytest.raises(InvalidValue) as err:
        normalise_document("document", DocumentType.DNI, "1011741")
    assert err.value.field == "document.number"


def test_migrant_documents_are_accepted_in_canonical_form() -> None:
    assert normalise_document("document", DocumentType.CPP, "cpp-123 456") == "CPP123456"
    assert normalise_document("document", DocumentType.PASSPORT, "123456789") == "123456789"
    with pytest.raises(InvalidValue):
        normalise_document("document", DocumentType.PTP, "12")
    with pytest.raises(InvalidValue) as err:
        normalise_document("document", DocumentType.NONE, "12345678")
    assert err.value.field == "document.type"
    with pytest.raises(InvalidValue) as err:
        normalise_document("document", DocumentType.REFUGEE_APPLICANT, "SR-2024-001")
    assert err.value.field == "document.type"


def test_passports_follow_the_shared_rule_of_5_to_15_characters() -> None:
    # Issue 13: a 13-character passport recorded by migrant-services is a job seeker here too.
    assert normalise_document("document", DocumentType.PASSPORT, "ab1234567890c") == "AB1234567890C"
    assert normalise_document("document", DocumentType.PASSPORT, "A1234") == "A1234"
    with pytest.raises(InvalidValue) as err:
        normalise_document("document", DocumentType.PASSPORT, "A123456789012345")
    assert err.value.field == "document.number"
    assert "5 to 15" in (err.value.expected or "")
    with pytest.raises(InvalidValue) as err:
        normalise_document("document", DocumentType.PASSPORT, "AB\x00123456", number_field="document_number")
    assert err.value.field == "document_number"


def test_sms_and_whatsapp_consent_need_a_mobile_number() -> None:
    assert channel_consent("contact.consent", "+51987654321", sms=True, whatsapp=True) == (True, True)
    assert channel_consent("contact.consent", "+5114123456", sms=False, whatsapp=False) == (False, False)
    with pytest.raises(InvalidValue) as err:
        channel_consent("contact.consent", "+5114123456", sms=True, whatsapp=False)
    assert err.value.field == "contact.consent.sms"
    with pytest.raises(InvalidValue) as err:
        channel_consent("contact.consent", None, sms=False, whatsapp=True)
    assert err.value.field == "contact.consent.whatsapp"


def test_ruc_uses_the_check_digit() -> None:
    assert normalise_ruc("ruc", "20131312955") == "20131312955"
    with pytest.raises(InvalidValue) as err:
        normalise_ruc("ruc", "20131312956")
    assert "check digit" in err.value.expected


def test_department_names_and_location_levels_come_from_the_shared_ubigeo_rule() -> None:
    assert department_name("15") == "Lima"
    assert department_name("07") == "Callao"
    assert department_name("99") == "99"
    assert location_level("090709", "090709") == 3  # Huaribamba: the one real code
    assert location_level("090709", "090714") == 2  # Tayacaja
    assert location_level("090709", "090101") == 1  # Huancavelica
    assert location_level("090709", "150132") == 0


def test_occupation_codes_are_four_digits() -> None:
    assert check_occupation("occupation", "5120") == "5120"
    with pytest.raises(InvalidValue):
        check_occupation("occupation", "512")


def test_skills_are_normalised_and_deduplicated() -> None:
    assert normalise_skills("skills", ["Atención al Cliente", "atencion al cliente", "Excel"]) == (
        "atencion-al-cliente",
        "excel",
    )
    with pytest.raises(InvalidValue):
        normalise_skills("skills", ["¡!"])
