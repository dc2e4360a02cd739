"""The service's idea of "today", injectable so tests (and the sweep) can move time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")


class Clock(Protocol):
    def today(self) -> date: ...


class SystemClock:
    """Today in Peru: decisions change at midnight Lima time, not UTC."""

    def today(self) -> date:
        return datetime.now(LIMA).date()


class FixedClock:
    """A clock that stays where it is put (tests)."""

    def __init__(self, day: date) -> None:
        self.day = day

    def today(self) -> date:
        return self.day

    def set(self, day: date) -> None:
        self.day = day
