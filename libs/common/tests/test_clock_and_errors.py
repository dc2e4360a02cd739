"""The shared clock, error model and its one mapping to RFC 9457 problem details (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from chasqui_common.clock import LIMA, FixedClock, SystemClock, lima_date
from chasqui_common.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    InvalidValue,
    NotFound,
    NotPermitted,
)
from chasqui_common.http.problems import install_problem_handlers, status_of
from fastapi import FastAPI


def test_today_changes_at_midnight_in_lima_not_utc() -> None:
    # 03:00 UTC on 1 March is still 22:00 on 29 February in Lima (UTC-5).
    clock = FixedClock(datetime(2028, 3, 1, 3, 0, tzinfo=UTC))
    assert clock.today() == date(2028, 2, 29)
    clock.advance(timedelta(hours=2))
    assert clock.today() == date(2028, 3, 1)


def test_a_fixed_clock_built_from_a_date_stands_on_that_date_in_lima() -> None:
    clock = FixedClock(date(2026, 12, 31))
    assert clock.today() == date(2026, 12, 31)
    assert clock.now().tzinfo is not None
    clock.set(date(2027, 1, 1))
    assert clock.today() == date(2027, 1, 1)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        FixedClock(datetime(2026, 1, 1, 12))
    with pytest.raises(ValueError, match="no time zone"):
        lima_date(datetime(2026, 1, 1, 12))


def test_the_system_clock_is_aware_and_agrees_with_lima() -> None:
    clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is not None
    assert clock.today() in {
        now.astimezone(LIMA).date(),
        (now + timedelta(seconds=1)).astimezone(LIMA).date(),
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no household h-1"), 404),
        (Conflict("already registered"), 409),
        (InvalidTransition("closed cases stay closed"), 409),
        (NotPermitted("not your Migracentro"), 403),
        (InvalidValue("bad DNI", field="document_number", value="1234", expected="8 digits"), 422),
        (DomainError("a household needs a head"), 422),
    ],
)
def test_one_mapping_from_error_class_to_status(error: DomainError, status: int) -> None:
    assert status_of(error) == status


class SlotUnavailable(Conflict):
    code = "slot-unavailable"
    title = "No free appointment slot"


async def test_a_domain_error_becomes_problem_details_naming_field_value_and_expectation() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/v1/dni")
    async def refuse() -> None:
        raise InvalidValue(
            "document_number has a wrong check digit",
            field="document_number",
            value="1234567K",
            expected="8 digits",
        )

    @app.get("/v1/slot")
    async def taken() -> None:
        raise SlotUnavailable("no slot left on 2026-12-01 at Ica")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        invalid = await client.get("/v1/dni")
        conflict = await client.get("/v1/slot")
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    body = invalid.json()
    assert body["type"] == "https://chasqui.pe/problems/invalid-value"
    # issue 13: a document number in an error is masked, keeping its last 3 characters
    assert body["errors"] == [{"field": "document_number", "value": "***67K", "expected": "8 digits"}]
    assert body["instance"] == "/v1/dni"
    assert conflict.status_code == 409
    assert conflict.json()["type"] == "https://chasqui.pe/problems/slot-unavailable"
    assert conflict.json()["title"] == "No free appointment slot"


def test_ids_stay_readable_while_numbers_in_text_are_masked() -> None:
    from chasqui_common.redaction import mask_shapes

    text = "household 0b1f3966-b123-4630-9876-1234567890ab holds DNI 10117410-3 and phone 987 654 321"
    masked = mask_shapes(text)
    assert "0b1f3966-b123-4630-9876-1234567890ab" in masked
    assert "10117410" not in masked
    assert "987 654 321" not in masked
