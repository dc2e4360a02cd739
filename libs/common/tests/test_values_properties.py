"""Property tests of the value rules (hypothesis): accepted values round-trip, the rest are refused."""

from __future__ import annotations

import json
from datetime import date

import phonenumbers
from chasqui_common.errors import InvalidValue
from chasqui_common.values import (
    MultilineText,
    Text,
    check_phone,
    format_file_date,
    is_mobile,
    parse_file_date,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

FAST = settings(max_examples=300, deadline=None)


class One(BaseModel):
    value: Text


class Many(BaseModel):
    value: MultilineText


# Any code point, surrogates and noncharacters included, weighted towards the edges of the rule.
EDGES = st.sampled_from(
    [
        "\x00",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\x1f",
        " ",
        "\x7f",
        "\x80",
        "\x9f",
        "\xa0",
        "\ud800",
        "\udfff",
        "\ufdd0",
        "\ufffe",
    ]
)
ANY_TEXT = st.lists(st.one_of(st.characters(codec=None), EDGES), max_size=40).map("".join)


@FAST
@given(ANY_TEXT)
def test_text_is_refused_or_round_trips_byte_exact_through_json(value: str) -> None:
    for model in (One, Many):
        try:
            parsed = model(value=value)
        except ValidationError:
            continue
        wire = parsed.model_dump_json()
        assert model.model_validate_json(wire).value == value
        assert json.loads(wire)["value"].encode("utf-8") == value.encode("utf-8")


@FAST
@given(ANY_TEXT)
def test_multiline_accepts_everything_one_line_accepts(value: str) -> None:
    try:
        One(value=value)
    except ValidationError:
        return
    assert Many(value=value).value == value


PHONE_LIKE = st.one_of(
    st.from_regex(r"\A(\+51|0051|51)?[ -]?9[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3}\Z"),
    st.from_regex(r"\A(\+|00)[1-9][0-9 ]{5,16}\Z"),
    st.from_regex(r"\A\(?0?[1-8][0-9]?\)?[ -]?[0-9]{6,7}\Z"),
    st.text(alphabet="+0123456789 -().", max_size=20),
)


@FAST
@given(PHONE_LIKE)
def test_an_accepted_phone_is_a_valid_e164_that_parses_back_equal(raw: str) -> None:
    try:
        e164 = check_phone(raw, "phone")
    except InvalidValue:
        return
    number = phonenumbers.parse(e164, None)
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164
    assert check_phone(e164, "phone") == e164
    assert isinstance(is_mobile(e164), bool)


@FAST
@given(st.dates(min_value=date(1, 1, 1)), st.booleans())
def test_a_file_date_formats_back_to_the_same_calendar_day(day: date, day_first: bool) -> None:
    written = format_file_date(day, day_first=day_first)
    assert parse_file_date(written, "d") == day


@FAST
@given(st.text(alphabet="0123456789/-", max_size=12))
def test_an_accepted_file_date_is_written_back_as_read(raw: str) -> None:
    try:
        day = parse_file_date(raw, "d")
    except InvalidValue as exc:
        refused = exc
    else:
        assert raw in (format_file_date(day), format_file_date(day, day_first=True))
        return
    assert refused.value == raw
