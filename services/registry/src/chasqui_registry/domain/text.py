"""The registry's use of the shared text and date rules (`chasqui_common.values`).

`text_problem` is the control-character check of every CSV cell and every string of a JSONL
line; `Text` and `IsoDate` are the model types of API bodies and JSONL lines (via `HouseholdDraft`).
All of them delegate to the shared rules; this module only adapts them to the import (a problem
as a string for a row error; file dates, which may also be written DD/MM/YYYY, in file context).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from chasqui_common.errors import InvalidValue
from chasqui_common.values import IsoDate, Text, check_iso_date, check_text
from chasqui_common.values import parse_file_date as _shared_file_date
from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = ["FILE_CONTEXT", "FileOrIsoDate", "IsoDate", "Text", "parse_file_date", "printable", "text_problem"]

# What `printable` escapes: controls, surrogates and noncharacters (a superset is harmless there).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")

FILE_CONTEXT = {"file": True}
"""Validation context of import files: their dates may also be written DD/MM/YYYY."""


def text_problem(value: str) -> str | None:
    """Why `value` is not acceptable text (the shared rule, naming the first bad character), or None."""
    try:
        check_text(value, "value")
    except InvalidValue as exc:
        return f"{exc.expected}; found {exc.detail.removeprefix('value contains ')}"
    return None


def printable(value: str) -> str:
    """`value` with control characters and surrogates written as escapes, safe to store and show."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def parse_file_date(value: str) -> date | None:
    """A date of an import file (`YYYY-MM-DD` or `DD/MM/YYYY`, the shared rule), else None."""
    try:
        return _shared_file_date(value, "value")
    except InvalidValue:
        return None


def _check_date(value: Any, info: ValidationInfo) -> date:
    try:
        if info.context and info.context.get("file") and isinstance(value, str):
            return _shared_file_date(value, "value")
        return check_iso_date(value, "value")
    except InvalidValue as exc:
        raise PydanticCustomError("date", "{expected}", {"expected": exc.expected or exc.detail}) from None


FileOrIsoDate = Annotated[
    date,
    BeforeValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
"""A date as an ISO string `YYYY-MM-DD` (never a number or a timestamp); in an import file
(validation context `FILE_CONTEXT`) also `DD/MM/YYYY`, as the shared `parse_file_date`."""
