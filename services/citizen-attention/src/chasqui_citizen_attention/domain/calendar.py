"""Working days: Monday to Friday that are neither a Peruvian public holiday (the `holidays`
library's calendar for PE, kept up to date with the holidays Peruvian law declares) nor one of
the municipality's own non-working days (its data file)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PE", years=year))


def is_working_day(day: date, local_days_off: frozenset[date] = frozenset()) -> bool:
    """Monday-Friday, not a Peruvian public holiday, not a municipal non-working day."""
    return day.weekday() < 5 and day not in _national(day.year) and day not in local_days_off


def add_working_days(start: date, days: int, local_days_off: Iterable[date] = ()) -> date:
    """The day `days` working days after `start` (start itself does not count; days >= 0).

    A deadline in days counts working days from the working day after the act (TUO of Ley 27444,
    DS 004-2019-JUS, arts. 144-145).
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, not {days}")
    off = frozenset(local_days_off)
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def working_days_between(start: date, end: date, local_days_off: Iterable[date] = ()) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is before `start`)."""
    off = frozenset(local_days_off)
    if end < start:
        return -working_days_between(end, start, off)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, off):
            count += 1
    return count
