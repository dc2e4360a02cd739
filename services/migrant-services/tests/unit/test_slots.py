"""Slot capacity: a day's bookings never exceed its capacity; only open, offered days in range."""

from __future__ import annotations

from datetime import date, time

import pytest
from chasqui_common.errors import Conflict, DomainError
from chasqui_common.events.migrants import CaseService
from chasqui_migrant_services.domain.appointments import (
    BOOKING_HORIZON_DAYS,
    SlotDay,
    check_bookable,
    open_days,
)
from chasqui_migrant_services.domain.attention_points import AttentionPoint, Hours, parse_opening_hours
from chasqui_migrant_services.domain.errors import SlotUnavailable

MONDAY = date(2025, 3, 10)
POINT = AttentionPoint(
    code="ICA",
    name="Migracentro Ica",
    ubigeo="110101",
    address="Ica",
    opening_hours=parse_opening_hours(dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-16:30")),
    daily_capacity={CaseService.DOCUMENT_PROCEDURE: 2, CaseService.HEALTH_AFFILIATION: 0},
)


def test_booking_fills_a_day_up_to_capacity_and_no_further() -> None:
    day = SlotDay("ICA", CaseService.DOCUMENT_PROCEDURE, MONDAY, capacity=2, booked=0)
    day = day.book().book()
    assert (day.booked, day.free) == (2, 0)
    with pytest.raises(SlotUnavailable) as raised:
        day.book()
    assert isinstance(raised.value, Conflict)  # answered with 409 by the shared problem mapping
    assert raised.value.code == "slot-unavailable"
    assert "2 of 2 booked" in raised.value.detail


def test_releasing_a_slot_frees_it_again() -> None:
    day = SlotDay("ICA", CaseService.DOCUMENT_PROCEDURE, MONDAY, capacity=1, booked=1).release()
    assert day.free == 1
    assert day.release().booked == 0


def test_a_bookable_day_returns_its_capacity() -> None:
    assert check_bookable(POINT, CaseService.DOCUMENT_PROCEDURE, MONDAY, MONDAY) == 2


@pytest.mark.parametrize(
    ("service", "day", "field"),
    [
        (CaseService.HEALTH_AFFILIATION, MONDAY, "service"),  # capacity 0: not offered
        (CaseService.REFUGEE_GUIDANCE, MONDAY, "service"),  # no capacity at all
        (CaseService.DOCUMENT_PROCEDURE, date(2025, 3, 9), "day"),  # yesterday
        (CaseService.DOCUMENT_PROCEDURE, date(2025, 3, 15), "day"),  # Saturday: closed
        (CaseService.DOCUMENT_PROCEDURE, date(2025, 3, 10).replace(year=2026), "day"),  # beyond horizon
    ],
)
def test_unbookable_requests_name_the_field(service: CaseService, day: date, field: str) -> None:
    with pytest.raises(DomainError) as raised:
        check_bookable(POINT, service, day, MONDAY)
    assert raised.value.field == field
    assert BOOKING_HORIZON_DAYS == 90


def test_open_days_skip_the_weekend() -> None:
    assert [d.isoformat() for d in open_days(POINT, MONDAY, 7)] == [
        "2025-03-10",
        "2025-03-11",
        "2025-03-12",
        "2025-03-13",
        "2025-03-14",
    ]
    assert POINT.hours_on(MONDAY) == Hours(time(8, 30), time(16, 30))


@pytest.mark.parametrize("raw", [{"mon": "17:00-08:00"}, {"lunes": "08:00-12:00"}, {"mon": "8-12"}, {}])
def test_bad_opening_hours_are_refused(raw: dict[str, str]) -> None:
    with pytest.raises(DomainError):
        parse_opening_hours(raw)
