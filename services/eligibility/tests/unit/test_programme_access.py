"""Which programmes' decisions a caller may read (domain/access.py)."""

from __future__ import annotations

import pytest
from chasqui_common.auth.scope import AccessScope
from chasqui_eligibility.domain.access import visible_programmes
from chasqui_eligibility.domain.errors import NoProgrammeInScope

PROGRAMMES = ("JUNTOS", "PENSION_65", "CONTIGO", "OMAPED")


def test_an_integrator_reads_its_own_programme_only() -> None:
    scope = AccessScope(programmes=frozenset({"JUNTOS"}))
    assert visible_programmes(scope, PROGRAMMES) == {"JUNTOS"}


def test_a_programme_the_book_lacks_shows_nothing() -> None:
    assert visible_programmes(AccessScope(programmes=frozenset({"QALI_WARMA"})), PROGRAMMES) == frozenset()


def test_the_national_role_reads_every_programme() -> None:
    assert visible_programmes(AccessScope(national=frozenset({"eligibility"})), PROGRAMMES) == set(PROGRAMMES)


def test_a_token_naming_no_programme_is_refused() -> None:
    with pytest.raises(NoProgrammeInScope):
        visible_programmes(AccessScope(ubigeos=frozenset({"150142"})), PROGRAMMES)
