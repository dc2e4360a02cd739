"""The value rules (chasqui_common.values): every input quoted in issue 13 is a regression test here."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_common.values import (
    FILE_DATE_EXPECTED,
    ISO_DATE_EXPECTED,
    MULTILINE_EXPECTED,
    ONE_LINE_EXPECTED,
    PHONE_EXPECTED,
    REMOVED_UBIGEOS,
    UBIGEO_EXPECTED,
    DocumentType,
    Email,
    IdentityDocument,
    IsoDate,
    IsoDateTime,
    MultilineText,
    PhoneNumber,
    Text,
    Ubigeo,
    check_email,
    check_iso_date,
    check_iso_datetime,
    check_phone,
    check_text,
    check_ubigeo,
    check_uuid,
    district_ubigeos,
    format_file_date,
    is_known_ubigeo,
    is_mobile,
    lookup_ubigeo,
    parse_file_date,
    province_code,
    text,
    validate_document,
)
from chasqui_common.values.ubigeo import CONFIRMED_OF_DUPLICATES, _load, same_name_groups
from pydantic import BaseModel, ValidationError


class Person(BaseModel):
    given_names: Text
    notes: MultilineText = ""
    short: Annotated[str, text(min_length=1, max_length=5)] = "x"
    birth_date: IsoDate | None = None
    seen_at: IsoDateTime | None = None
    phone: PhoneNumber | None = None
    email: Email | None = None
    ubigeo: Ubigeo | None = None
    document: IdentityDocument | None = None


def only_error(**fields: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        Person.model_validate({"given_names": "Ana", **fields})
    errors = caught.value.errors(include_url=False)
    assert len(errors) == 1, errors
    return dict(errors[0])


def invalid(call: Any, *args: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        call(*args)
    return caught.value


# --- text ------------------------------------------------------------------------------------------


def test_nul_in_a_name_is_refused_naming_the_field() -> None:
    # issue 13 §1: "given_names": "Ana\u0000Maria" answered 500 (PostgreSQL refuses NUL in text)
    with pytest.raises(ValidationError) as caught:
        Person.model_validate_json('{"given_names": "Ana\\u0000Maria"}')
    (error,) = caught.value.errors(include_url=False)
    assert error["loc"] == ("given_names",)
    assert error["input"] == "Ana\x00Maria"
    assert error["msg"] == ONE_LINE_EXPECTED
    exc = invalid(check_text, "Ana\x00Maria", "given_names")
    assert (exc.field, exc.value, exc.expected) == ("given_names", "Ana\x00Maria", ONE_LINE_EXPECTED)
    assert "U+0000 at character 4" in exc.detail


@pytest.mark.parametrize(
    "value",
    [
        "\x01",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\r\nb",
        "\x1b[31m",
        "\x7f",
        "\x80",
        "Av. O\x92Higgins 120 \x96 Mz. Ñ",  # issue 13 §2: windows-1252 bytes decoded as latin-1
        "\x9f",
        "\ud800",
        "x\udfff",
        "\ufdd0",
        "\ufdef",
        "\ufffe",
        "\uffff",
        "\U0001fffe",
        "\U0010ffff",
    ],
)
def test_one_line_text_refuses_controls_surrogates_and_noncharacters(value: str) -> None:
    assert only_error(given_names=value)["msg"] == ONE_LINE_EXPECTED
    assert invalid(check_text, value, "f").expected == ONE_LINE_EXPECTED


@pytest.mark.parametrize(
    "value",
    [
        "",
        " Ana María ",  # spaces kept: nothing is stripped
        "Nuñez",
        "Nun\u0303ez",  # NFD kept as NFD: nothing is normalised
        "Av. O’Higgins 120 – Mz. Ñ",
        "Quispe 🦙",
        "王秀英",
        "\u00a0\u200b\u200d\u2060",  # no-break space, zero-width space and joiner, word joiner: text (U+2028 is a line break: refused)
        "\ufdcf\ufdf0\ufffd",  # neighbours of the noncharacters
        "\U0001fffd",
    ],
)
def test_one_line_text_keeps_everything_else_exactly(value: str) -> None:
    person = Person.model_validate_json(json.dumps({"given_names": value}))
    assert person.given_names == value
    assert json.loads(person.model_dump_json())["given_names"] == value


def test_multiline_text_allows_tab_lf_and_crlf_only() -> None:
    assert Person(given_names="A", notes="uno\tdos\ntres\r\ncuatro").notes == "uno\tdos\ntres\r\ncuatro"
    for bad in ("lone\rcr", "end\r", "nul\x00", "\x0b", "\x85", "\ud83d"):
        assert only_error(notes=bad)["msg"] == MULTILINE_EXPECTED
        assert invalid(lambda v: check_text(v, "notes", multiline=True), bad).expected == MULTILINE_EXPECTED


def test_bounded_text_checks_length_in_code_points_and_shows_it_in_the_schema() -> None:
    assert Person(given_names="A", short="ñandú").short == "ñandú"
    assert only_error(short="")["msg"] == "between 1 and 5 characters"
    assert only_error(short="abcdef")["msg"] == "between 1 and 5 characters"
    schema = Person.model_json_schema()["properties"]["short"]
    assert (schema["minLength"], schema["maxLength"]) == (1, 5)
    assert invalid(lambda v: check_text(v, "f", max_length=3), "abcd").expected == "at most 3 characters"


def test_text_refuses_non_strings() -> None:
    assert only_error(given_names=12)["type"] == "string_type"
    assert invalid(check_text, 12, "f").expected == "a string"


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        0,
        86400,
        86400.0,
        "86400",
        "0",
        "2024-03-14T00:00:00",
        "14/03/2024",
        "2024-3-14",
        "20240314",
        "2023-02-29",
    ],
)
def test_json_dates_are_iso_strings_only(value: Any) -> None:
    # issue 13 §3: "birth_date": 0 and "birth_date": "86400" were accepted as 1970-01-01/02
    error = only_error(birth_date=value)
    assert (error["loc"], error["msg"], error["input"]) == (("birth_date",), ISO_DATE_EXPECTED, value)
    with pytest.raises(ValidationError):
        Person.model_validate_json(json.dumps({"given_names": "A", "birth_date": value}))


def test_iso_dates_are_accepted_from_json_and_python() -> None:
    assert Person.model_validate_json('{"given_names": "A", "birth_date": "1958-03-14"}').birth_date == date(
        1958, 3, 14
    )
    assert Person(given_names="A", birth_date=date(1958, 3, 14)).model_dump(mode="json")["birth_date"] == (
        "1958-03-14"
    )
    assert only_error(birth_date=datetime(1958, 3, 14))["msg"] == ISO_DATE_EXPECTED
    assert check_iso_date("2024-02-29", "d") == date(2024, 2, 29)
    assert Person.model_json_schema(mode="serialization")["properties"]["birth_date"]["anyOf"][0] == {
        "format": "date",
        "type": "string",
    }


def test_datetimes_need_an_offset() -> None:
    lima = timezone(timedelta(hours=-5))
    assert check_iso_datetime("2024-03-14T09:30:00-05:00", "t") == datetime(2024, 3, 14, 9, 30, tzinfo=lima)
    assert check_iso_datetime("2024-03-14T14:30:00.5Z", "t").utcoffset() == timedelta(0)
    for bad in (
        "2024-03-14T09:30:00",
        "2024-03-14",
        "2024-03-14 09:30:00Z",
        1710408600,
        "2024-03-14T25:00:00Z",
    ):
        assert "offset" in only_error(seen_at=bad)["msg"]
    assert "offset" in only_error(seen_at=datetime(2024, 3, 14, 9, 30))["msg"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1958-03-14", date(1958, 3, 14)), ("14/03/1958", date(1958, 3, 14)), ("29/02/2024", date(2024, 2, 29))],
)
def test_file_dates_accept_iso_and_day_first(raw: str, expected: date) -> None:
    assert parse_file_date(raw, "birth_date") == expected


@pytest.mark.parametrize(
    "raw",
    ["0", "86400", "3/14/1958", "14/3/1958", "1958-14-03", "31/02/2000", " 1958-03-14", "14-03-1958", ""],
)
def test_file_dates_quote_the_value_as_written(raw: str) -> None:
    # issue 13 §3: CSV "0" was stored as 1970-01-01; "3/14/1958" was reported as "1958-14-03"
    exc = invalid(parse_file_date, raw, "birth_date")
    assert (exc.field, exc.value, exc.expected) == ("birth_date", raw, FILE_DATE_EXPECTED)
    assert repr(raw) in exc.detail


def test_format_file_date_is_the_inverse_of_parse() -> None:
    day = date(958, 1, 2)
    assert parse_file_date(format_file_date(day), "d") == day
    assert parse_file_date(format_file_date(day, day_first=True), "d") == day


# --- phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["987654321", "51987654321", "0051987654321", "+51 987 654 321", "987-654-321"]
)
def test_one_peruvian_mobile_in_every_form_is_stored_as_e164(raw: str) -> None:
    # issue 13 §4: the first three forms were stored as typed (one mobile, three forms)
    assert check_phone(raw, "phone") == "+51987654321"
    assert Person(given_names="A", phone=raw).phone == "+51987654321"


def test_a_number_that_is_not_peruvian_is_refused() -> None:
    # issue 13 §4: "+5198765432" was accepted and an SMS to it recorded as sent
    exc = invalid(check_phone, "+5198765432", "contact.phone")
    assert (exc.field, exc.value, exc.expected) == ("contact.phone", "+5198765432", PHONE_EXPECTED)
    assert only_error(phone="+5198765432")["msg"] == PHONE_EXPECTED


@pytest.mark.parametrize(
    "raw",
    [
        "9876543210",
        "12345",
        "+51 987 654 321 ext. 5",
        "tel:+51987654321",
        "９８７６５４３２１",
        "987654321\x00",
        "",
        "+",
    ],
)
def test_invalid_or_oddly_written_phones_are_refused(raw: str) -> None:
    assert invalid(check_phone, raw, "phone").expected == PHONE_EXPECTED


def test_foreign_numbers_valid_for_their_region_are_kept_in_e164() -> None:
    assert check_phone("+58 412 1234567", "phone") == "+584121234567"
    assert check_phone("0058 412 1234567", "phone") == "+584121234567"


def test_landlines_are_valid_but_not_mobile() -> None:
    assert check_phone("(01) 412-3456", "phone") == "+5114123456"
    assert not is_mobile("+5114123456")
    assert is_mobile("+51987654321")
    assert is_mobile("+584121234567")
    assert not is_mobile("+5198765432")
    assert not is_mobile("not a number")


def test_phone_schema_is_e164_when_written() -> None:
    written = Person.model_json_schema(mode="serialization")["properties"]["phone"]["anyOf"][0]
    assert written["pattern"] == r"^\+[1-9][0-9]{6,14}$"
    assert "pattern" not in Person.model_json_schema(mode="validation")["properties"]["phone"]["anyOf"][0]


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ana@example.pe", "Ana.Quispe+citas@correo.gob.pe", "josé@ñandú.pe"])
def test_emails_are_kept_as_written(value: str) -> None:
    assert check_email(value, "email") == value
    assert Person(given_names="A", email=value).email == value


@pytest.mark.parametrize(
    "value",
    ["ana", "ana@", "@example.pe", "ana@example", "a b@example.pe", "a@b@c.pe", "ana@-x.pe", "a\x00@x.pe"],
)
def test_malformed_emails_are_refused(value: str) -> None:
    assert invalid(check_email, value, "email").field == "email"
    assert "e-mail" in only_error(email=value)["msg"]


# --- identity documents ----------------------------------------------------------------------------


def test_a_13_character_passport_is_one_valid_passport_everywhere() -> None:
    # issue 13 §5: accepted by migrants (5-15) and registry, dead-lettered by employment (6-12)
    assert validate_document(DocumentType.PASSPORT, "AB1234567890C") == "AB1234567890C"
    assert IdentityDocument(type=DocumentType.PASSPORT, number="ab12 3456-7890c").number == "AB1234567890C"


@pytest.mark.parametrize(
    ("type_", "number", "canonical"),
    [
        ("DNI", "10117410", "10117410"),
        ("DNI", "10117410-2", "10117410"),
        ("DNI", "10117410 2", "10117410"),
        ("CE", "001234567", "001234567"),
        ("CPP", "cpp00000012", "CPP00000012"),
        ("PTP", "C1A2B3", "C1A2B3"),
        ("PASSPORT", "12345", "12345"),
        ("PASSPORT", "A" * 15, "A" * 15),
        ("REFUGEE_APPLICANT", "2021-0001", "2021-0001"),
        ("NONE", None, None),
        ("NONE", "", None),
    ],
)
def test_document_numbers_are_normalised(type_: str, number: str | None, canonical: str | None) -> None:
    assert validate_document(type_, number) == canonical
    assert IdentityDocument.model_validate({"type": type_, "number": number}).number == canonical


@pytest.mark.parametrize(
    ("type_", "number"),
    [
        ("DNI", "10117410-3"),  # wrong check character
        ("DNI", "1011741"),
        ("DNI", "1011741X"),
        ("DNI", None),
        ("CE", "12345"),
        ("CE", "1234567890123"),
        ("PASSPORT", "1234"),
        ("PASSPORT", "A" * 16),
        ("PASSPORT", "AB123<<<"),
        ("PASSPORT", "AB\x00123456"),
        ("REFUGEE_APPLICANT", "12"),
        ("NONE", "123"),
    ],
)
def test_document_numbers_that_break_their_type_rule(type_: str, number: str | None) -> None:
    exc = invalid(validate_document, type_, number, "members.0.document")
    assert (exc.field, exc.value) == ("members.0.document.number", number)
    with pytest.raises(ValidationError) as caught:
        IdentityDocument.model_validate({"type": type_, "number": number})
    (error,) = caught.value.errors(include_url=False)
    assert error["loc"] == ("number",)
    assert error["msg"] == exc.expected


def test_a_document_number_is_required_even_when_omitted() -> None:
    with pytest.raises(ValidationError):
        IdentityDocument.model_validate({"type": "DNI"})
    assert IdentityDocument.model_validate({"type": "NONE"}).number is None


def test_unknown_document_type() -> None:
    exc = invalid(validate_document, "LIBRETA", "123", "document")
    assert exc.field == "document.type"
    assert exc.expected == "one of DNI, CE, CPP, PTP, PASSPORT, REFUGEE_APPLICANT, NONE"


# --- ubigeo ----------------------------------------------------------------------------------------


def test_090708_is_not_a_ubigeo_and_huaribamba_is_090709() -> None:
    # issue 13 §6: 090708 was accepted as Huaribamba and scored "same province" against 090709
    exc = invalid(check_ubigeo, "090708", "ubigeo")
    assert (exc.field, exc.value, exc.expected) == ("ubigeo", "090708", UBIGEO_EXPECTED)
    assert only_error(ubigeo="090708")["msg"] == UBIGEO_EXPECTED
    place = lookup_ubigeo("090709")
    assert place is not None
    assert (place.district, place.province, place.department) == ("Huaribamba", "Tayacaja", "Huancavelica")


def test_the_cross_check_removes_exactly_the_documented_codes() -> None:
    groups = same_name_groups(_load("distritos.json"))
    assert groups == [["090708", "090709"], ["090712", "090714"]], "a new same-name pair: resolve it"
    assert {code for group in groups for code in group} - CONFIRMED_OF_DUPLICATES == REMOVED_UBIGEOS
    assert {"090708", "090712"} == REMOVED_UBIGEOS
    assert not REMOVED_UBIGEOS & district_ubigeos()
    assert len(district_ubigeos()) == 1891
    assert lookup_ubigeo("090714") is not None
    assert lookup_ubigeo("090714").district == "Salcabamba"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", ["150101", "010101", "250401", "090709"])
def test_real_districts_are_accepted(code: str) -> None:
    assert check_ubigeo(code, "ubigeo") == code
    assert is_known_ubigeo(code)


@pytest.mark.parametrize(
    "code", ["090708", "090712", "150100", "15010", "1501011", "999999", "١٥٠١٠١", 150101]
)
def test_other_codes_are_refused(code: Any) -> None:
    assert invalid(check_ubigeo, code, "ubigeo").expected == UBIGEO_EXPECTED


def test_same_province_is_the_first_four_digits() -> None:
    assert province_code("090709") == province_code("090714") == "0907"
    assert province_code("150101") != province_code("070101")


def test_bidi_controls_and_a_bom_inside_text_are_refused_but_zero_width_characters_are_text() -> None:
    """Probe after issue 13: `Ana\u202eairaM` shows as `AnaMaria` (Trojan Source spoofing) and a BOM
    inside a name is a pasted file header; both were stored. Zero-width (non-)joiners and space
    are text (emoji, several scripts) and kept byte-exact."""
    for bad in (
        "Ana\u202eairaM",
        "Ana\u2066x\u2069",
        "Ana\u200fM",
        "Ana\u061cM",
        "Ana\ufeffMaria",
        "A\u2028B",
    ):
        for multiline in (False, True):
            with pytest.raises(InvalidValue):
                check_text(bad, "given_names", multiline=multiline)
    for kept in ("Ana\u200bMaria", "\U0001f469\u200d\U0001f33e", "Ana\u200cM", "Ana\u2060M", "Ana\u00adM"):
        assert check_text(kept, "given_names") == kept


def test_email_refuses_invisible_characters_and_misplaced_dots() -> None:
    for bad in ("a b@x.pe", "a@@x.pe", "a@b@x.pe", "a\u200b@x.pe", ".a@x.pe", "a.@x.pe", "a..b@x.pe"):
        with pytest.raises(InvalidValue):
            check_email(bad, "email")
    assert check_email("a.b@x.pe", "email") == "a.b@x.pe"


def test_uuid_ids_are_canonical_or_refused() -> None:
    assert check_uuid("0B5E2C1A-4F3D-4A8E-9C7B-2D1E0F9A8B7C", "id") == "0b5e2c1a-4f3d-4a8e-9c7b-2d1e0f9a8b7c"
    for bad in ("nobody", "0b5e2c1a4f3d4a8e9c7b2d1e0f9a8b7c", "{0b5e2c1a-4f3d-4a8e-9c7b-2d1e0f9a8b7c}", 7):
        with pytest.raises(InvalidValue):
            check_uuid(bad, "id")
