"""Office heads in the municipal data files (domain/office_heads.py): by role, with a work contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from chasqui_citizen_attention.domain.errors import InvalidMunicipalData
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.office_heads import parse_office_heads

VES_FILE = (
    Path(__file__).parents[2]
    / "src/chasqui_citizen_attention/data/municipalities/150142-villa-el-salvador.yaml"
)


def _file(head: Any) -> dict[str, Any]:
    return {"ubigeo": "150142", "offices": [{"office": "CIAM", "name": "CIAM", "head": head}]}


def test_villa_el_salvador_names_a_head_for_each_office_by_role_with_an_institutional_mailbox() -> None:
    heads = parse_office_heads(yaml.safe_load(VES_FILE.read_text(encoding="utf-8")), "150142")
    assert {h.office for h in heads} == set(Office)
    for head in heads:
        assert head.role.startswith("Jefatura de")
        assert head.email is not None
        assert head.email.endswith("@munives.gob.pe")
        assert head.channels == ("email",)
        assert head.office_head_id == f"office-head-150142-{head.office.value}"


def test_an_office_without_a_head_has_nobody_to_tell() -> None:
    assert parse_office_heads({"offices": [{"office": "ULE", "name": "ULE"}]}, "150142") == ()


def test_a_phone_is_kept_in_e164_and_sms_needs_a_mobile() -> None:
    [head] = parse_office_heads(
        _file({"role": "Jefatura del CIAM", "phone": "987 654 321", "channels": ["sms"]}), "150142"
    )
    assert head.phone == "+51987654321"
    with pytest.raises(InvalidMunicipalData) as refused:
        parse_office_heads(
            _file({"role": "Jefatura del CIAM", "phone": "(01) 412-3456", "channels": ["sms"]}), "150142"
        )
    assert refused.value.field == "offices[0].head.channels"
    assert refused.value.expected == "sms only with a mobile phone"


@pytest.mark.parametrize(
    ("head", "field", "expected"),
    [
        (
            {"email": "a@b.pe", "channels": ["email"]},
            "offices[0].head.role",
            "a non-empty text naming the role",
        ),
        ({"role": "Jefatura", "channels": ["email"]}, "offices[0].head", "an email or a phone"),
        (
            {"role": "Jefatura", "email": "a@b.pe", "channels": ["fax"]},
            "offices[0].head.channels",
            "email, sms",
        ),
        (
            {"role": "Jefatura", "phone": "+51987654321", "channels": ["email"]},
            "offices[0].head.channels",
            "email only",
        ),
        (
            {"role": "Jefatura", "email": "no es correo", "channels": ["email"]},
            "offices[0].head.email",
            "e-mail",
        ),
    ],
)
def test_a_broken_head_is_refused_naming_the_key(head: dict[str, Any], field: str, expected: str) -> None:
    with pytest.raises(InvalidMunicipalData) as refused:
        parse_office_heads(_file(head), "150142")
    assert refused.value.field == field
    assert expected in (refused.value.expected or "")
