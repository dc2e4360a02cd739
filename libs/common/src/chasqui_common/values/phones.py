"""Phone numbers: one rule (Google's libphonenumber, the `phonenumbers` package), stored in E.164.

`check_phone(raw, field)` / `PhoneNumber` accept a number as people write it:

- a Peruvian number in national form: `987654321`, `987 654 321`, `(01) 412-3456`, `014123456`;
- with the country code, with or without the international prefix: `51987654321`,
  `0051987654321`, `+51 987 654 321`;
- another country's number in international form (`+58 412 1234567`, `0058...`): accepted
  when libphonenumber says it is valid for the region its country code names (a migrant keeps
  a Venezuelan mobile).

Only ASCII digits, spaces, `+` (first), `-`, `.`, `(` and `)` may appear, at most 30 characters:
letters (vanity numbers, `ext.`), `tel:` URIs and other digits are refused. The number must be
*valid* per libphonenumber (`is_valid_number`: a real length and prefix for its region), not
merely possible: `+5198765432` (8 digits after 51) is refused. The value kept is E.164:
`+51987654321`. `is_mobile(e164)` says whether SMS and WhatsApp can reach it (mobile, or a
region where fixed and mobile numbers cannot be told apart); a landline such as `+5114123456`
is not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from pydantic import AfterValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import JsonSchemaByMode, as_pydantic

__all__ = ["E164_PATTERN", "PHONE_EXPECTED", "PhoneNumber", "check_phone", "is_mobile"]

DEFAULT_REGION = "PE"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
PHONE_EXPECTED = (
    "a valid phone number: Peruvian (e.g. 987654321, +51 987 654 321, 0051987654321) or another "
    "country's in international form (+<country code> <number>); digits, spaces, + - . ( ) only"
)
_WRITTEN = re.compile(r"\+?[0-9 ().\-]{1,30}")
_MAX_LENGTH = 30


# Parsing with libphonenumber costs about 0.3 ms a number, most of the CPU of validating a
# household event; every event about a household carries its members' phones again, so the
# same numbers come back. Both checks are pure functions of the text: their answers are kept
# for the last numbers seen (bounded: a few hundred kB of this process's memory, never stored).
_CACHED_NUMBERS = 8192


def check_phone(raw: Any, field: str) -> str:
    """The E.164 form (`+51987654321`) of a valid phone number, else InvalidValue with PHONE_EXPECTED."""
    if isinstance(raw, str) and len(raw) <= _MAX_LENGTH and _WRITTEN.fullmatch(raw):
        e164 = _e164(raw)
        if e164 is not None:
            return e164
    raise InvalidValue(
        f"{field}: {raw!r} is not a valid phone number", field=field, value=raw, expected=PHONE_EXPECTED
    )


@lru_cache(maxsize=_CACHED_NUMBERS)
def _e164(raw: str) -> str | None:
    """The E.164 form of `raw` if libphonenumber says it is a valid number without extension."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except NumberParseException:
        return None
    if number.extension is None and phonenumbers.is_valid_number(number):
        return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return None


@lru_cache(maxsize=_CACHED_NUMBERS)
def is_mobile(e164: str) -> bool:
    """True if SMS and WhatsApp can reach `e164`: a valid mobile number (or fixed-or-mobile).

    False for landlines, toll-free and other kinds, and for anything that is not a valid number,
    so consent to SMS or WhatsApp is only given or used for a number that can receive them.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


PhoneNumber = Annotated[
    str,
    AfterValidator(as_pydantic("phone_number", check_phone)),
    JsonSchemaByMode(
        both={"description": "A phone number; stored and sent in E.164, e.g. +51987654321"},
        serialization={"pattern": E164_PATTERN},
    ),
]
"""A valid phone number, read in national or international form, kept and written in E.164."""
