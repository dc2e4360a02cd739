"""Documents, RUC, ubigeo, occupation codes and skill tags."""

from __future__ import annotations

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType
from chasqui_employment_matching.domain.codes import (
    check_occupation,
    check_ubigeo,
    department_name,
    normalise_document,
    normalise_ruc,
    normalise_skills,
)


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
    with pytest.raises(InvalidValue):
        normalise_document("document", DocumentType.NONE, "12345678")


def test_ruc_uses_the_check_digit() -> None:
    assert normalise_ruc("ruc", "20131312955") == "20131312955"
    with pytest.raises(InvalidValue) as err:
        normalise_ruc("ruc", "20131312956")
    assert "check digit" in err.value.expected


def test_ubigeo_must_be_an_existing_district() -> None:
    assert check_ubigeo("ubigeo", "150132") == "150132"
    with pytest.raises(InvalidValue):
        check_ubigeo("ubigeo", "999999")
    with pytest.raises(InvalidValue):
        check_ubigeo("ubigeo", "15013")
    assert department_name("15") == "Lima"


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
