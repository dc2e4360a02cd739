"""Which eligibility decisions feed which office's worklist (domain/worklists.py)."""

from __future__ import annotations

import pytest
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.worklists import (
    WorklistMove,
    check_worklist_office,
    worklist_change,
)
from chasqui_common.errors import InvalidValue


def test_a_person_newly_eligible_for_ciam_joins_ciams_list() -> None:
    change = worklist_change("CIAM", eligible=True, previous_eligible=False)
    assert change is not None
    assert (change.office, change.move, change.reason) == (
        Office.CIAM,
        WorklistMove.ADD,
        "newly_eligible_ciam",
    )


def test_a_person_newly_eligible_for_omaped_joins_omapeds_list() -> None:
    change = worklist_change("OMAPED", eligible=True, previous_eligible=False)
    assert change is not None
    assert (change.office, change.move) == (Office.OMAPED, WorklistMove.ADD)


def test_a_household_needing_reclassification_joins_the_ules_list_and_leaves_it_once_classified() -> None:
    needs = worklist_change("ULE_RECLASSIFICATION", eligible=True, previous_eligible=False)
    done = worklist_change("ULE_RECLASSIFICATION", eligible=False, previous_eligible=True)
    assert needs is not None
    assert done is not None
    assert (needs.office, needs.move, needs.reason) == (
        Office.ULE,
        WorklistMove.ADD,
        "cse_missing_expired_or_expiring",
    )
    assert (done.office, done.move) == (Office.ULE, WorklistMove.REMOVE)


def test_still_eligible_keeps_the_entry_as_it_is() -> None:
    change = worklist_change("CIAM", eligible=True, previous_eligible=True)
    assert change is not None
    assert change.move is WorklistMove.KEEP


@pytest.mark.parametrize("program", ["JUNTOS", "PENSION_65", "CONTIGO", "BECA_18"])
def test_other_programmes_feed_no_list_even_when_they_fail_on_the_cse(program: str) -> None:
    assert worklist_change(program, eligible=False, previous_eligible=True) is None


def test_demuna_has_no_worklist() -> None:
    with pytest.raises(InvalidValue) as refused:
        check_worklist_office(Office.DEMUNA)
    assert (refused.value.field, refused.value.value, refused.value.expected) == (
        "office",
        "DEMUNA",
        "CIAM, OMAPED or ULE",
    )
