"""Which cases and people a caller may touch (domain/access.py): its Migracentro's, or all."""

from __future__ import annotations

import pytest
from chasqui_common.auth.scope import AccessScope
from chasqui_migrant_services.domain.access import check_point, may_see
from chasqui_migrant_services.domain.errors import OutsideMigracentro

ICA = AccessScope(migracentros=frozenset({"ICA"}))


def test_a_migracentro_sees_its_own_attention_point_only() -> None:
    assert may_see(ICA, "ICA")
    assert not may_see(ICA, "VMT")
    assert not may_see(AccessScope(), "ICA")


def test_the_national_office_sees_every_migracentro() -> None:
    assert may_see(AccessScope(national=frozenset({"migrants"})), "PRIMAVERA")


def test_the_refusal_names_the_field_and_the_attention_point() -> None:
    with pytest.raises(OutsideMigracentro) as refused:
        check_point(ICA, "VMT", field="case_id")
    assert (refused.value.field, refused.value.value) == ("case_id", "VMT")
    assert refused.value.code == "migrants-outside-migracentro"
