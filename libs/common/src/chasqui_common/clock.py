"""The only source of "now" and "today": Peru's civil time (America/Lima), injectable for tests.

Deadlines, ages, validity periods and quiet hours are Peruvian facts: a day changes at midnight
in Lima, not in UTC nor in the host's time zone. Every service takes its `Clock` from the
service runtime (`ServiceRuntime.clock`, `UnitOfWork.clock`, `Reader.clock`); nothing calls
`date.today()` or `datetime.now()` on its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
"""Peru's time zone (UTC-5 all year; kept as a zone so history and any future change hold)."""


class Clock(Protocol):
    """Where "now" comes from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> date:
        """The current civil date in Lima."""
        ...


def lima_date(instant: datetime) -> date:
    """The civil date in Lima of an aware instant (ValueError for a naive one)."""
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no time zone; expected an aware datetime")
    return instant.astimezone(LIMA).date()


class SystemClock:
    """The machine's clock, read in UTC; "today" is the date in Lima."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return lima_date(self.now())


class FixedClock:
    """A clock that stays where it is put, and moves only when told (tests, replays, sweeps).

    Built from a date, it stands at noon in Lima of that day, so `today()` is that date.
    """

    def __init__(self, at: datetime | date) -> None:
        self._now = self._instant(at)

    @staticmethod
    def _instant(at: datetime | date) -> datetime:
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise ValueError(f"{at.isoformat()} has no time zone; expected an aware datetime")
            return at.astimezone(UTC)
        return datetime(at.year, at.month, at.day, 12, tzinfo=LIMA).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return lima_date(self._now)

    def set(self, at: datetime | date) -> None:
        self._now = self._instant(at)

    def advance(self, by: timedelta) -> None:
        self._now += by


SYSTEM_CLOCK: Clock = SystemClock()
