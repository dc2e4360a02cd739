"""The ULE classification request (S100): home visit within 8 working days, result within 25
working days of the evaluation, across public holidays and the municipality's days off."""

from datetime import UTC, datetime

from chasqui_common.topics import CITIZEN_ATTENTION_REQUESTS

from .conftest import VES, VMT, Attention


async def test_s100_deadlines_cross_holy_week_and_the_result_is_published_for_the_registry(
    attention: Attention,
) -> None:
    citizen = await attention.counter_citizen()
    attention.clock.set(datetime(2026, 3, 30, 15, tzinfo=UTC))  # Monday of Holy Week
    r = await attention.post(
        "/v1/classification-requests",
        {"municipality": VES, "citizen_id": citizen, "staff": "ule.registradora", "household_id": "H-S100-1"},
    )
    assert r.status_code == 201, r.text
    request = r.json()
    assert request["home_visit_due_on"] == "2026-04-13"  # 2 and 3 April are Jueves and Viernes Santo
    request_id = request["request_id"]

    attention.clock.set(datetime(2026, 4, 10, 15, tzinfo=UTC))  # 1 working day left: at risk
    deadlines = (await attention.get("/v1/classification-requests", municipality=VES)).json()
    [mine] = [d for d in deadlines["requests"] if d["request_id"] == request_id]
    assert mine["home_visit"]["state"] == "at_risk"
    assert deadlines["at_risk"] >= 1

    future = await attention.post(
        f"/v1/classification-requests/{request_id}/home-visit", {"visited_on": "2026-04-11"}
    )
    assert future.status_code == 422
    assert future.json()["type"] == "https://chasqui.pe/problems/date-in-future"
    visited = await attention.post(
        f"/v1/classification-requests/{request_id}/home-visit", {"visited_on": "2026-04-10"}
    )
    assert visited.json()["status"] == "evaluated"
    # 25 working days: 1 May is Labour Day, 11 May is a Villa El Salvador day off (its data file)
    assert visited.json()["result_due_on"] == "2026-05-19"

    early = await attention.post(
        f"/v1/classification-requests/{request_id}/result",
        {"level": "POBRE", "valid_from": "2026-05-04", "valid_until": "2026-05-01"},
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "valid_until"
    attention.clock.set(datetime(2026, 5, 4, 15, tzinfo=UTC))
    result = await attention.post(
        f"/v1/classification-requests/{request_id}/result",
        {"level": "POBRE_EXTREMO", "valid_from": "2026-05-04", "valid_until": "2029-05-03"},
    )
    assert result.status_code == 200, result.text
    assert result.json()["status"] == "result_recorded"

    events = await attention.events(CITIZEN_ATTENTION_REQUESTS.name, request_id, count=3)
    assert [e["type"] for e in events] == [
        "pe.chasqui.attention.classification-request.registered.v1",
        "pe.chasqui.attention.classification-request.home-visited.v1",
        "pe.chasqui.attention.classification-request.result-recorded.v1",
    ]
    recorded = events[2]["data"]
    assert recorded["household_id"] == "H-S100-1"
    assert recorded["level"] == "POBRE_EXTREMO"
    assert recorded["valid_until"] == "2029-05-03"
    assert recorded["source"] == f"ULE {VES}"
    assert recorded["on_time"] is True

    again = await attention.post(
        f"/v1/classification-requests/{request_id}/result",
        {"level": "POBRE", "valid_from": "2026-05-04", "valid_until": "2029-05-03"},
    )
    assert again.status_code == 409


async def test_missed_s100_deadlines_are_visible_and_municipal_days_off_count(attention: Attention) -> None:
    citizen = await attention.counter_citizen()
    # Villa María del Triunfo's data file makes Tuesday 10 March 2026 a non-working day
    r = await attention.post(
        "/v1/classification-requests", {"municipality": VMT, "citizen_id": citizen, "staff": "ule"}
    )
    assert r.json()["home_visit_due_on"] == "2026-03-20"  # 9 March + 8 working days, 10 March off
    attention.clock.set(datetime(2026, 3, 24, 15, tzinfo=UTC))
    deadlines = (await attention.get("/v1/classification-requests", municipality=VMT)).json()
    [mine] = [d for d in deadlines["requests"] if d["request_id"] == r.json()["request_id"]]
    assert mine["home_visit"]["state"] == "missed"
    assert deadlines["missed"] == 1
    result_first = await attention.post(
        f"/v1/classification-requests/{mine['request_id']}/result",
        {"level": "POBRE", "valid_from": "2026-03-24", "valid_until": "2029-03-23"},
    )
    assert result_first.status_code == 409
    assert result_first.json()["type"] == "https://chasqui.pe/problems/classification-request-step-invalid"
