"""Case lifecycle: open → in_progress → referred → closed, every move in the history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chasqui_common.errors import Conflict, DomainError, InvalidTransition
from chasqui_common.events.migrants import CaseService, ReferralTarget
from chasqui_migrant_services.domain.cases import Case, CaseStatus

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


def _case(*services: CaseService) -> Case:
    return Case.open("c1", "m1", "ICA", services or (CaseService.EMPLOYMENT_ORIENTATION,), NOW, "agent")


def test_a_case_opens_with_its_history_started() -> None:
    case = _case()
    assert case.status is CaseStatus.OPEN
    assert [(h.from_status, h.to_status) for h in case.history] == [(None, CaseStatus.OPEN)]


def test_a_case_needs_a_requested_service() -> None:
    with pytest.raises(DomainError) as raised:
        Case.open("c1", "m1", "ICA", (), NOW, "agent")
    assert raised.value.field == "requested_services"


def test_the_full_lifecycle_is_recorded_in_order() -> None:
    case = _case()
    case.transition(CaseStatus.IN_PROGRESS, at=NOW, actor="agent")
    case.refer(ReferralTarget.EMPLOYMENT, already_referred_to=set(), at=NOW, actor="agent")
    case.close(outcome="placed with a job seeker profile", at=NOW, actor="agent")
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "placed with a job seeker profile"
    assert [h.to_status for h in case.history] == [
        CaseStatus.OPEN,
        CaseStatus.IN_PROGRESS,
        CaseStatus.REFERRED,
        CaseStatus.CLOSED,
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ((), CaseStatus.REFERRED),
        ((CaseStatus.IN_PROGRESS,), CaseStatus.OPEN),
        ((CaseStatus.CLOSED,), CaseStatus.IN_PROGRESS),
        ((CaseStatus.CLOSED,), CaseStatus.CLOSED),
    ],
)
def test_invalid_transitions_are_refused_naming_the_allowed_ones(
    path: tuple[CaseStatus, ...], bad: CaseStatus
) -> None:
    case = _case()
    for status in path:
        case.transition(status, at=NOW, actor="agent", note="outcome")
    with pytest.raises(InvalidTransition) as raised:
        case.transition(bad, at=NOW, actor="agent")
    assert isinstance(raised.value, Conflict)  # answered with 409 by the shared problem mapping
    assert raised.value.code == "invalid-transition"
    assert raised.value.value == bad.value
    assert "reachable from" in (raised.value.expected or "")


def test_an_open_case_cannot_be_referred_before_work_starts() -> None:
    with pytest.raises(InvalidTransition):
        _case().refer(ReferralTarget.EMPLOYMENT, already_referred_to=set(), at=NOW, actor="agent")


def test_a_referral_must_follow_a_requested_service() -> None:
    case = _case(CaseService.DOCUMENT_PROCEDURE)
    case.transition(CaseStatus.IN_PROGRESS, at=NOW, actor="agent")
    with pytest.raises(DomainError) as raised:
        case.refer(ReferralTarget.HEALTH, already_referred_to=set(), at=NOW, actor="agent")
    assert raised.value.field == "target"


def test_further_referrals_keep_the_case_referred_but_not_twice_to_one_target() -> None:
    case = _case(CaseService.EMPLOYMENT_ORIENTATION, CaseService.HEALTH_AFFILIATION)
    case.transition(CaseStatus.IN_PROGRESS, at=NOW, actor="agent")
    assert case.refer(ReferralTarget.EMPLOYMENT, already_referred_to=set(), at=NOW, actor="a") is not None
    assert (
        case.refer(ReferralTarget.HEALTH, already_referred_to={ReferralTarget.EMPLOYMENT}, at=NOW, actor="a")
        is None
    )
    assert case.status is CaseStatus.REFERRED
    with pytest.raises(Conflict):
        case.refer(ReferralTarget.HEALTH, already_referred_to={ReferralTarget.HEALTH}, at=NOW, actor="a")
