"""Appointment slots: a day's capacity per attention point and service, and when a day can be booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from chasqui_common.errors import DomainError
from chasqui_common.events.migrants import CaseService

from chasqui_migrant_services.domain.attention_points import AttentionPoint
from chasqui_migrant_services.domain.errors import SlotUnavailable

BOOKING_HORIZON_DAYS = 90


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Appointment:
    """One person's booking of one slot (attention point, service, day)."""

    appointment_id: str
    migrant_id: str
    case_id: str | None
    attention_point: str
    service: CaseService
    day: date
    status: AppointmentStatus
    booked_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None


@dataclass(frozen=True)
class SlotDay:
    """How full one attention point's service is on one day."""

    attention_point: str
    service: CaseService
    day: date
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    def book(self) -> SlotDay:
        """One more booking, or SlotUnavailable when the day is full."""
        if self.booked >= self.capacity:
            raise SlotUnavailable(
                f"{self.attention_point} has no free {self.service.value} slot on {self.day.isoformat()} "
                f"({self.booked} of {self.capacity} booked)",
                field="day",
                value=self.day.isoformat(),
                expected="a day with free slots (see GET /v1/attention-points/{code}/slots)",
            )
        return SlotDay(self.attention_point, self.service, self.day, self.capacity, self.booked + 1)

    def release(self) -> SlotDay:
        return SlotDay(self.attention_point, self.service, self.day, self.capacity, max(self.booked - 1, 0))


def check_bookable(point: AttentionPoint, service: CaseService, day: date, today: date) -> int:
    """The day's capacity for `service` at `point`, if a booking on `day` is allowed at all."""
    if not point.active:
        raise DomainError(
            f"attention point {point.code} is not taking appointments",
            field="attention_point",
            value=point.code,
            expected="an active attention point",
        )
    capacity = point.daily_capacity.get(service, 0)
    if capacity <= 0:
        offered = ", ".join(s.value for s, c in point.daily_capacity.items() if c > 0) or "none"
        raise DomainError(
            f"{point.code} does not offer appointments for {service.value}",
            field="service",
            value=service.value,
            expected=f"a service offered at {point.code}: {offered}",
        )
    if day < today or day > today + timedelta(days=BOOKING_HORIZON_DAYS):
        raise DomainError(
            f"appointments can be booked from today up to {BOOKING_HORIZON_DAYS} days ahead",
            field="day",
            value=day.isoformat(),
            expected=f"a date from {today.isoformat()} to "
            f"{(today + timedelta(days=BOOKING_HORIZON_DAYS)).isoformat()}",
        )
    if point.hours_on(day) is None:
        open_days = ", ".join(point.opening_hours)
        raise DomainError(
            f"{point.code} is closed on {day.isoformat()} ({day.strftime('%A')})",
            field="day",
            value=day.isoformat(),
            expected=f"a day {point.code} opens: {open_days}",
        )
    return capacity


def open_days(point: AttentionPoint, start: date, days: int) -> list[date]:
    return [d for i in range(days) if point.hours_on(d := start + timedelta(days=i)) is not None]
