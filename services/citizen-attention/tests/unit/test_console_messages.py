"""The console words the service's refusals in Spanish, beside the form field they concern."""

from __future__ import annotations

import pytest
from chasqui_citizen_attention.api.schemas import CitizenIn
from chasqui_citizen_attention.console.messages import (
    expected_in_spanish,
    from_domain_error,
    from_validation_error,
)
from chasqui_citizen_attention.domain.errors import ReferralToSameOffice, TicketAlreadyCalled
from chasqui_common.errors import DomainError
from pydantic import ValidationError


def test_a_referral_to_the_same_office_is_worded_beside_the_destination() -> None:
    error = ReferralToSameOffice(
        "a referral from CIAM cannot go to CIAM itself",
        field="to_office",
        value="CIAM",
        expected="an office other than CIAM",
    )
    shown = from_domain_error(error, {"to_office": "hacia"})
    assert shown.summary == "La derivación debe ir a otra oficina."
    assert shown.at("hacia") == (
        "La derivación debe ir a otra oficina. Valor: «CIAM». Se esperaba una oficina distinta de CIAM."
    )


def test_a_ticket_called_twice_names_what_was_expected() -> None:
    error = TicketAlreadyCalled(
        "ticket t was called already", field="status", value="called", expected="an issued ticket"
    )
    assert from_domain_error(error).at("status") == (
        "El turno ya fue llamado. Valor: «called». Se esperaba un turno emitido (aún no llamado)."
    )


def test_an_error_of_another_service_family_gets_its_familys_title() -> None:
    class Odd(DomainError):
        code = "odd-rule"

    assert from_domain_error(Odd("odd")).summary == "La solicitud no cumple una regla del servicio."


@pytest.mark.parametrize(
    ("expected", "spanish"),
    [
        ("one of CIAM, ULE", "uno de: CIAM, ULE"),
        ("a date on or after 2026-03-09", "una fecha igual o posterior al 2026-03-09"),
        (
            "a DNI: 8 digits and an optional check character (RENIEC CUI)",
            "un DNI: 8 dígitos y un carácter de verificación opcional",
        ),
        ("something the console has no words for", "something the console has no words for"),
    ],
)
def test_expectations_in_spanish(expected: str, spanish: str) -> None:
    assert expected_in_spanish(expected) == spanish


def test_the_apis_validation_errors_land_on_the_form_fields_with_personal_values_masked() -> None:
    with pytest.raises(ValidationError) as refused:
        CitizenIn.model_validate({"document": {"type": "DNI", "number": "1234567X9"}, "given_names": ""})
    shown = from_validation_error(refused.value, {"document.number": "numero", "given_names": "nombres"})
    assert set(shown.fields) == {"numero", "nombres"}
    assert "un DNI: 8 dígitos" in shown.fields["numero"]
    assert "1234567X9" not in shown.fields["numero"]  # a document number is masked, as in problem documents
    assert shown.fields["nombres"].startswith("Dato no válido.")
