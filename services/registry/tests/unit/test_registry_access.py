"""Which households a caller may touch (domain/access.py): its district, or all when national."""

from __future__ import annotations

import pytest
from chasqui_common.auth.scope import AccessScope
from chasqui_registry.domain.access import check_district, may_touch
from chasqui_registry.domain.errors import OutsideDistrict

ULE_VES = AccessScope(ubigeos=frozenset({"150142"}))


def test_a_ule_touches_its_own_district_only() -> None:
    assert may_touch(ULE_VES, "150142")
    assert not may_touch(ULE_VES, "150143")


def test_the_targeting_office_touches_every_district() -> None:
    assert may_touch(AccessScope(national=frozenset({"registry"})), "080101")


def test_national_in_another_service_is_not_national_here() -> None:
    assert not may_touch(AccessScope(national=frozenset({"eligibility"})), "150142")


def test_a_token_confined_to_nothing_touches_nothing() -> None:
    assert not may_touch(AccessScope(), "150142")


def test_the_refusal_names_the_field_the_district_and_what_the_token_allows() -> None:
    with pytest.raises(OutsideDistrict) as refused:
        check_district(ULE_VES, "150103", field="household_id")
    assert (refused.value.field, refused.value.value) == ("household_id", "150103")
    assert "150142" in (refused.value.expected or "")
    assert refused.value.code == "registry-outside-district"
