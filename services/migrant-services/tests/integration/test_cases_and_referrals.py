"""Cases end to end on the real broker: a migrant at Migracentro Ica is referred to employment."""

from __future__ import annotations

from datetime import datetime

from chasqui_common.clock import LIMA
from chasqui_testing import RunningService

from .conftest import events_for, register


async def test_a_migrant_at_ica_is_referred_to_employment_and_the_referral_carries_their_identity(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        person = await register(client, "ICA")
        opened = await client.post(
            "/v1/cases",
            json={
                "migrant_id": person["migrant_id"],
                "attention_point": "ICA",
                "requested_services": ["employment_orientation", "document_procedure"],
            },
        )
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["case_id"]
        moved = await client.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})
        assert moved.status_code == 200, moved.text
        referral = await client.post(
            f"/v1/cases/{case_id}/referrals",
            json={"target": "employment", "notes": "experiencia en cocina"},
        )
        assert referral.status_code == 201, referral.text
        closed = await client.post(
            f"/v1/cases/{case_id}/transitions", json={"status": "closed", "note": "derivada a empleo"}
        )
        assert closed.status_code == 200, closed.text

        history = (await client.get(f"/v1/cases/{case_id}/history")).json()
        assert [(h["from_status"], h["to_status"]) for h in history] == [
            (None, "open"),
            ("open", "in_progress"),
            ("in_progress", "referred"),
            ("referred", "closed"),
        ]
        assert {h["actor"] for h in history} == {"test-client"}
        referrals = (await client.get(f"/v1/cases/{case_id}/referrals")).json()
        assert [r["target"] for r in referrals] == ["employment"]

    events = await events_for(kafka_bootstrap_servers, {person["migrant_id"], case_id}, count=4)
    by_type = {t.split(".")[-3] + "." + t.split(".")[-2]: data for t, data in events}
    assert set(by_type) == {"migrant.registered", "case.opened", "referral.issued", "case.closed"}
    issued = by_type["referral.issued"]
    assert issued["target"] == "employment"
    assert issued["attention_point"] == "ICA"
    assert issued["attention_point_ubigeo"] == "110101"
    assert issued["person"]["document"]["type"] == "CPP"
    assert issued["person"]["nationality"] == "VEN"
    assert issued["person"]["birth_date"] == "1990-04-02"
    assert issued["person"]["contact"]["consent"] == {"sms": True, "email": False, "whatsapp": True}
    assert issued["employment"]["occupations"] == ["5120"]
    assert by_type["case.closed"]["outcome"] == "derivada a empleo"
    # case events are keyed by case id, in the order they happened
    case_events = [t for t, data in events if data.get("case_id") == case_id]
    assert case_events[0].endswith("case.opened.v1")
    assert case_events[-1].endswith("case.closed.v1")


async def test_an_invalid_transition_answers_409_naming_the_allowed_moves(service: RunningService) -> None:
    async with service.client("migrants:write") as client:
        person = await register(client, "PURUCHUCO")
        case = await client.post(
            "/v1/cases",
            json={
                "migrant_id": person["migrant_id"],
                "attention_point": "PURUCHUCO",
                "requested_services": ["health_affiliation"],
            },
        )
        case_id = case.json()["case_id"]
        early = await client.post(f"/v1/cases/{case_id}/referrals", json={"target": "health"})
        assert early.status_code == 409
        assert early.json()["type"].endswith("/invalid-transition")
        withdrawn = await client.post(
            f"/v1/cases/{case_id}/transitions", json={"status": "closed", "note": "desistió"}
        )
        assert withdrawn.status_code == 200, withdrawn.text
        reopen = await client.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})
        assert reopen.status_code == 409
        problem = reopen.json()
        assert problem["errors"][0] == {
            "field": "status",
            "value": "in_progress",
            "expected": "a status reachable from closed: none: the case is closed",
        }


async def test_bad_input_gets_a_problem_naming_field_value_and_expectation(service: RunningService) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        alpha2 = await client.post("/v1/migrants", json=_body(nationality="VE"))
        assert alpha2.status_code == 422
        assert alpha2.json()["errors"][0]["field"] == "nationality"

        person = await register(client, "VMT")
        cpp = next(d for d in person["documents"] if d["type"] == "CPP")
        again = await client.post("/v1/migrants", json=_body(documents=[cpp]))
        assert again.status_code == 409
        assert again.json()["errors"][0]["field"] == "documents[0].number"

        point = await client.post(
            "/v1/attention-points",
            json={
                "code": "NOWHERE",
                "name": "x x x",
                "ubigeo": "999999",
                "address": "x x x",
                "opening_hours": {"mon": "08:00-12:00"},
                "daily_capacity": {},
            },
        )
        assert point.status_code == 422
        assert point.json()["errors"][0]["field"] == "ubigeo"
        missing = await client.get("/v1/cases/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404

    async with service.client("migrants:read") as reader:
        forbidden = await reader.post("/v1/migrants", json=_body())
        assert forbidden.status_code == 403
        points = (await reader.get("/v1/attention-points")).json()
        assert {"ICA", "PURUCHUCO", "VMT", "PRIMAVERA"} <= {p["code"] for p in points}
        ica = next(p for p in points if p["code"] == "ICA")
        assert ica["ubigeo"] == "110101"
        assert ica["daily_capacity"]["document_procedure"] > 0
    async with service.client() as anonymous:
        assert (await anonymous.get("/v1/attention-points")).status_code == 401


async def test_stats_count_cases_appointments_and_referrals_per_attention_point(
    service: RunningService,
) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        person = await register(client, "PRIMAVERA")
        case_id = (
            await client.post(
                "/v1/cases",
                json={
                    "migrant_id": person["migrant_id"],
                    "attention_point": "PRIMAVERA",
                    "requested_services": ["social_programs_registration", "education_validation"],
                },
            )
        ).json()["case_id"]
        await client.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})
        for target in ("household_registration", "education"):
            assert (
                await client.post(f"/v1/cases/{case_id}/referrals", json={"target": target})
            ).status_code == 201
        today = datetime.now(LIMA).date().isoformat()
        stats = (await client.get("/v1/stats/attention-points", params={"from": today, "to": today})).json()
        assert stats["from"] == today
        primavera = next(p for p in stats["attention_points"] if p["attention_point"] == "PRIMAVERA")
        assert primavera["cases_opened"] == 1
        assert primavera["referrals"] == 2
        assert primavera["referrals_by_target"] == {"household_registration": 1, "education": 1}
        backwards = await client.get("/v1/stats/attention-points", params={"from": today, "to": "2020-01-01"})
        assert backwards.status_code == 422


def _body(**overrides):  # type: ignore[no-untyped-def]
    from .conftest import migrant_body

    return migrant_body("VMT", **overrides)


async def test_the_platform_scenario_attends_people_at_the_four_migracentros(service: RunningService) -> None:
    from chasqui_scenario.migracentro_day import PEOPLE, attend_at_migracentros

    async with service.client("migrants:write", "migrants:read") as client:
        created = await attend_at_migracentros(client)
        assert len(created["migrants"]) == len(PEOPLE)
        stats = (await client.get("/v1/stats/attention-points")).json()["attention_points"]
        assert {p["attention_point"] for p in stats if p["cases_opened"] == 2} == {
            "ICA",
            "PURUCHUCO",
            "VMT",
            "PRIMAVERA",
        }
