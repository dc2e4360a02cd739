"""Domain rules of tickets, referrals, the S100 request and DEMUNA confidentiality."""

from datetime import date

import pytest
from chasqui_citizen_attention.domain import classification as s100
from chasqui_citizen_attention.domain.confidentiality import check_confidential_access
from chasqui_citizen_attention.domain.errors import (
    DateInFuture,
    DeadlineInPast,
    DemunaConfidential,
    ReferralToSameOffice,
    ReferralTransitionInvalid,
    RequestStepInvalid,
    TicketAlreadyCalled,
    TicketTransitionInvalid,
)
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.referrals import (
    ReferralStatus,
    check_due_on,
    check_referral_move,
    check_referral_offices,
    deadline_missed,
)
from chasqui_citizen_attention.domain.tickets import TicketStatus, check_ticket_move


def test_an_issued_ticket_can_be_called() -> None:
    check_ticket_move("t", TicketStatus.ISSUED, TicketStatus.CALLED)


@pytest.mark.parametrize("status", [TicketStatus.CALLED, TicketStatus.ATTENDED, TicketStatus.CLOSED])
def test_a_ticket_cannot_be_called_twice(status: TicketStatus) -> None:
    with pytest.raises(TicketAlreadyCalled) as err:
        check_ticket_move("t", status, TicketStatus.CALLED)
    assert err.value.field == "status"
    assert err.value.expected == "an issued ticket"


def test_a_closed_ticket_is_finished() -> None:
    with pytest.raises(TicketTransitionInvalid, match="closed to no_show"):
        check_ticket_move("t", TicketStatus.CLOSED, TicketStatus.NO_SHOW)


def test_a_referral_to_the_same_office_is_refused() -> None:
    with pytest.raises(ReferralToSameOffice) as err:
        check_referral_offices(Office.CIAM, Office.CIAM)
    assert err.value.field == "to_office"
    assert err.value.value == "CIAM"
    check_referral_offices(Office.CIAM, Office.ULE)
    check_referral_offices(None, Office.ULE)


def test_a_deadline_in_the_past_is_refused_today_is_allowed() -> None:
    check_due_on(date(2026, 3, 9), date(2026, 3, 9))
    with pytest.raises(DeadlineInPast) as err:
        check_due_on(date(2026, 3, 8), date(2026, 3, 9))
    assert err.value.field == "due_on"
    assert err.value.value == "2026-03-08"


def test_referral_moves() -> None:
    check_referral_move("r", ReferralStatus.PENDING, ReferralStatus.ACCEPTED)
    check_referral_move("r", ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)
    with pytest.raises(ReferralTransitionInvalid):
        check_referral_move("r", ReferralStatus.PENDING, ReferralStatus.COMPLETED)
    with pytest.raises(ReferralTransitionInvalid):
        check_referral_move("r", ReferralStatus.REJECTED, ReferralStatus.ACCEPTED)


def test_a_deadline_is_missed_the_day_after_it_only_while_open() -> None:
    due = date(2026, 3, 10)
    assert not deadline_missed(ReferralStatus.PENDING, due, date(2026, 3, 10))
    assert deadline_missed(ReferralStatus.PENDING, due, date(2026, 3, 11))
    assert deadline_missed(ReferralStatus.ACCEPTED, due, date(2026, 3, 11))
    assert not deadline_missed(ReferralStatus.COMPLETED, due, date(2026, 3, 11))


def test_s100_home_visit_is_due_eight_working_days_after_the_request() -> None:
    assert s100.home_visit_due(date(2026, 3, 30), []) == date(2026, 4, 13)  # across Holy Week


def test_s100_result_is_due_twenty_five_working_days_after_the_evaluation() -> None:
    # Monday 6 July 2026 + 25 working days, skipping 23, 28, 29 July and 6 August
    assert s100.result_due(date(2026, 7, 6), []) == date(2026, 8, 14)


def test_deadline_states() -> None:
    due = date(2026, 3, 20)  # Friday
    assert s100.deadline_state("v", due, None, date(2026, 3, 9), []).state is s100.DeadlineState.ON_TIME
    assert s100.deadline_state("v", due, None, date(2026, 3, 18), []).state is s100.DeadlineState.AT_RISK
    assert s100.deadline_state("v", due, None, date(2026, 3, 23), []).state is s100.DeadlineState.MISSED
    assert (
        s100.deadline_state("v", due, date(2026, 3, 20), date(2026, 3, 23), []).state
        is s100.DeadlineState.MET
    )
    assert (
        s100.deadline_state("v", due, date(2026, 3, 23), date(2026, 3, 23), []).state
        is s100.DeadlineState.LATE
    )


def test_s100_steps_in_order_and_never_in_the_future() -> None:
    with pytest.raises(RequestStepInvalid):
        s100.check_step("q", s100.RequestStatus.REGISTERED, s100.RequestStatus.EVALUATED, "a result")
    with pytest.raises(DateInFuture):
        s100.check_not_future("visited_on", date(2026, 3, 10), date(2026, 3, 9))


def test_demuna_content_needs_the_demuna_scope() -> None:
    check_confidential_access(Office.CIAM, False, "x")
    check_confidential_access(Office.DEMUNA, True, "x")
    with pytest.raises(DemunaConfidential) as err:
        check_confidential_access(Office.DEMUNA, False, "attention a1")
    assert err.value.code == "demuna-confidential"
