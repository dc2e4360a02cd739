"""Attention points (Migracentros): where they are, when they open, how many people a day per service.

The ubigeo follows the shared rule (`chasqui_common.values.Ubigeo`, docs/values.md), applied where it
comes in; here: the code, the opening hours and the capacities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from chasqui_common.clock import LIMA
from chasqui_common.errors import InvalidValue
from chasqui_common.events.migrants import CaseService

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")


@dataclass(frozen=True)
class Hours:
    opens: time
    closes: time


@dataclass(frozen=True)
class AttentionPoint:
    code: str
    name: str
    ubigeo: str
    address: str
    opening_hours: dict[str, Hours]
    daily_capacity: dict[CaseService, int] = field(default_factory=dict)
    active: bool = True

    def hours_on(self, day: date) -> Hours | None:
        return self.opening_hours.get(WEEKDAYS[day.weekday()])

    def starts_at(self, day: date) -> datetime | None:
        hours = self.hours_on(day)
        return datetime.combine(day, hours.opens, LIMA) if hours else None


def parse_opening_hours(raw: dict[str, str]) -> dict[str, Hours]:
    """`{"mon": "08:30-16:30", ...}` → Hours per weekday; a missing weekday means closed."""
    hours: dict[str, Hours] = {}
    for weekday, span in raw.items():
        if weekday not in WEEKDAYS:
            raise InvalidValue(
                f"unknown weekday {weekday!r} in opening hours",
                field=f"opening_hours.{weekday}",
                value=weekday,
                expected=f"one of {', '.join(WEEKDAYS)}",
            )
        match = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", span)
        opens = closes = None
        if match:
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
                opens, closes = time(h1, m1), time(h2, m2)
        if opens is None or closes is None or opens >= closes:
            raise InvalidValue(
                f"opening hours for {weekday} are not a valid span",
                field=f"opening_hours.{weekday}",
                value=span,
                expected="HH:MM-HH:MM with opening before closing, e.g. 08:30-16:30",
            )
        hours[weekday] = Hours(opens, closes)
    if not hours:
        raise InvalidValue(
            "an attention point must open at least one day a week",
            field="opening_hours",
            value=raw,
            expected='e.g. {"mon": "08:30-16:30"}',
        )
    return hours


def format_opening_hours(hours: dict[str, Hours]) -> dict[str, str]:
    return {day: f"{h.opens:%H:%M}-{h.closes:%H:%M}" for day in WEEKDAYS if (h := hours.get(day)) is not None}


def check_code(code: str) -> str:
    if not CODE.fullmatch(code):
        raise InvalidValue(
            f"attention point code {code!r} is not valid",
            field="code",
            value=code,
            expected="2-32 upper-case letters, digits, '-' or '_', starting with a letter, e.g. ICA",
        )
    return code
