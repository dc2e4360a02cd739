"""Dates and instants: ISO 8601 text only, every component checked against the calendar.

JSON (request bodies, query parameters, event payloads):

- `IsoDate`: a string `YYYY-MM-DD` (ISO 8601 calendar date, extended format, RFC 3339
  `full-date`). Refused: numbers (`0`, `86400.0`), numeric strings (`"86400"`), datetimes
  (`"2024-03-14T00:00:00"`), other layouts (`"14/03/2024"`, `"2024-3-14"`, `"20240314"`) and
  days the calendar has not (`"2023-02-29"`). pydantic's lax `date` accepted `0` and `"86400"`
  as 1970-01-01 (Unix time); this type does not. In Python code a `date` (not a `datetime`)
  is accepted too. Check function: `check_iso_date(value, field)`.
- `IsoDateTime`: a string `YYYY-MM-DDTHH:MM:SS[.ffffff]` followed by `Z` or `±HH:MM` (RFC 3339
  `date-time`: the offset is required, an instant without one is ambiguous). In Python code an
  aware `datetime` is accepted. Check function: `check_iso_datetime(value, field)`.

Files (CSV, JSONL imports): `parse_file_date(raw, field)` accepts `YYYY-MM-DD` and `DD/MM/YYYY`
(two-digit day and month, four-digit year; the day-first order of Peruvian forms) and nothing
else; errors quote the value exactly as written (`3/14/1958` stays `3/14/1958`) with the
accepted formats.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import as_pydantic

__all__ = [
    "FILE_DATE_EXPECTED",
    "ISO_DATETIME_EXPECTED",
    "ISO_DATE_EXPECTED",
    "IsoDate",
    "IsoDateTime",
    "check_iso_date",
    "check_iso_datetime",
    "format_file_date",
    "parse_file_date",
]

ISO_DATE_EXPECTED = "a date as an ISO 8601 string YYYY-MM-DD, e.g. 1958-03-14"
ISO_DATETIME_EXPECTED = (
    "a date and time as an ISO 8601 string with an offset, YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM), "
    "e.g. 2024-03-14T09:30:00-05:00"
)
FILE_DATE_EXPECTED = "a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 1958-03-14 or 14/03/1958"

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_FIRST = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def _calendar(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def check_iso_date(value: Any, field: str) -> date:
    """The date `value` names if it is a `YYYY-MM-DD` string (or a `date`), else InvalidValue."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        match = _ISO_DATE.fullmatch(value)
        if match and (day := _calendar(*match.groups())) is not None:
            return day
    raise InvalidValue(
        f"{field}: {value!r} is not an ISO date", field=field, value=value, expected=ISO_DATE_EXPECTED
    )


def check_iso_datetime(value: Any, field: str) -> datetime:
    """The aware datetime `value` names if it is an RFC 3339 string (or an aware `datetime`)."""
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise InvalidValue(
        f"{field}: {value!r} is not an ISO date and time with an offset",
        field=field,
        value=value,
        expected=ISO_DATETIME_EXPECTED,
    )


def parse_file_date(raw: str, field: str) -> date:
    """A date from a file cell: `YYYY-MM-DD` or `DD/MM/YYYY`, a real calendar day, nothing else.

    Nothing is stripped or guessed: `" 1958-03-14"`, `3/14/1958`, `14-03-1958`, `0` and
    `-1` are refused. The error's `value` is `raw` exactly as written.
    """
    match = _ISO_DATE.fullmatch(raw)
    if match:
        found = _calendar(*match.groups())
    elif match := _DAY_FIRST.fullmatch(raw):
        day, month, year = match.groups()
        found = _calendar(year, month, day)
    else:
        raise InvalidValue(
            f"{field}: {raw!r} is not a date in an accepted format",
            field=field,
            value=raw,
            expected=FILE_DATE_EXPECTED,
        )
    if found is None:
        raise InvalidValue(
            f"{field}: {raw!r} is not a day of the calendar",
            field=field,
            value=raw,
            expected=FILE_DATE_EXPECTED,
        )
    return found


def format_file_date(day: date, *, day_first: bool = False) -> str:
    """`day` as a file writes it: `YYYY-MM-DD`, or `DD/MM/YYYY` with `day_first` (the inverse of parse)."""
    if day_first:
        return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


IsoDate = Annotated[date, BeforeValidator(as_pydantic("iso_date", check_iso_date))]
"""A calendar date, in JSON a `YYYY-MM-DD` string only (JSON Schema `string`, format `date`)."""

IsoDateTime = Annotated[datetime, BeforeValidator(as_pydantic("iso_datetime", check_iso_datetime))]
"""An instant with its offset, in JSON an RFC 3339 string (JSON Schema `string`, format `date-time`)."""
