"""Top-N lists: merging one changed entry, and when a full recompute is needed."""

from __future__ import annotations

import pytest
from chasqui_employment_matching.domain.engine import Ranked
from chasqui_employment_matching.domain.ranking import NeedsRecompute, merge

LIST = [Ranked("a", 90), Ranked("b", 80), Ranked("c", 70)]


def test_a_better_newcomer_pushes_out_the_last_of_a_full_list() -> None:
    assert merge(LIST, "x", Ranked("x", 85), 3) == [Ranked("a", 90), Ranked("x", 85), Ranked("b", 80)]


def test_a_worse_newcomer_leaves_a_full_list_unchanged() -> None:
    assert merge(LIST, "x", Ranked("x", 60), 3) == LIST


def test_ties_break_by_id() -> None:
    assert merge(LIST, "0", Ranked("0", 70), 3) == [Ranked("a", 90), Ranked("b", 80), Ranked("0", 70)]
    assert merge(LIST, "z", Ranked("z", 70), 3) == LIST


def test_a_list_that_is_not_full_takes_anyone_eligible() -> None:
    assert merge(LIST, "x", Ranked("x", 10), 5)[-1] == Ranked("x", 10)


def test_a_member_that_improves_moves_up() -> None:
    assert merge(LIST, "c", Ranked("c", 95), 3)[0] == Ranked("c", 95)


def test_a_member_that_drops_to_the_bottom_of_a_full_list_needs_a_recompute() -> None:
    with pytest.raises(NeedsRecompute):
        merge(LIST, "a", Ranked("a", 10), 3)


def test_a_member_that_drops_but_stays_above_the_last_is_merged() -> None:
    assert merge(LIST, "a", Ranked("a", 75), 3) == [Ranked("b", 80), Ranked("a", 75), Ranked("c", 70)]


def test_a_member_leaving_a_full_list_needs_a_recompute_and_a_partial_list_just_shrinks() -> None:
    with pytest.raises(NeedsRecompute):
        merge(LIST, "b", None, 3)
    assert merge(LIST, "b", None, 5) == [Ranked("a", 90), Ranked("c", 70)]
    assert merge(LIST, "x", None, 3) == LIST
