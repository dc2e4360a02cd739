"""Tickets per office with waiting time, attention records, DEMUNA confidentiality."""

from datetime import timedelta

from chasqui_common.topics import CITIZEN_ATTENTION_ATTENTIONS

from .conftest import DEMUNA, READ, VES, WRITE, Attention


async def test_a_visit_from_ticket_to_attention_keeps_the_waiting_time_and_is_announced(
    attention: Attention,
) -> None:
    citizen = await attention.counter_citizen()
    issued = await attention.post(
        "/v1/tickets",
        {"municipality": VES, "office": "CIAM", "citizen_id": citizen, "procedure": "inscripcion"},
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    assert ticket["status"] == "issued"
    assert ticket["code"].startswith("CIAM-")
    attention.clock.advance(timedelta(minutes=12))
    called = await attention.post(f"/v1/tickets/{ticket['ticket_id']}/call", {"staff": "ana.ciam"})
    assert called.json()["status"] == "called"
    assert called.json()["waiting_seconds"] == 720
    again = await attention.post(f"/v1/tickets/{ticket['ticket_id']}/call", {"staff": "ana.ciam"})
    assert again.status_code == 409
    assert again.json()["type"] == "https://chasqui.pe/problems/ticket-already-called"
    await attention.post(f"/v1/tickets/{ticket['ticket_id']}/attend", {"staff": "ana.ciam"})

    recorded = await attention.post(
        "/v1/attentions",
        {
            "municipality": VES, "office": "CIAM", "procedure": "inscripcion", "step": "evaluacion",
            "citizen_id": citizen, "staff": "ana.ciam", "channel": "in_person", "outcome": "in_progress",
            "duration_seconds": 540, "ticket_id": ticket["ticket_id"], "notes": "Trae DNI", "sector": "S3",
        },
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert body["waiting_seconds"] == 720
    assert body["step"] == "evaluacion"
    assert body["day"] == "2026-03-09"
    closed = await attention.get(f"/v1/tickets/{ticket['ticket_id']}")
    assert closed.json()["status"] == "closed"

    [event] = await attention.events(CITIZEN_ATTENTION_ATTENTIONS.name, body["attention_id"])
    assert event["type"] == "pe.chasqui.attention.attention.recorded.v1"
    assert event["data"]["citizen_id"] == citizen
    assert event["data"]["procedure"] == "inscripcion"
    assert event["data"]["waiting_seconds"] == 720
    assert "notes" not in event["data"]


async def test_tickets_are_numbered_per_office_and_day_and_can_be_no_shows(attention: Attention) -> None:
    numbers = []
    for _ in range(3):
        r = await attention.post("/v1/tickets", {"municipality": VES, "office": "OMAPED"})
        numbers.append(r.json()["number"])
    other = await attention.post("/v1/tickets", {"municipality": VES, "office": "ULE"})
    assert numbers == [1, 2, 3]
    assert other.json()["number"] == 1
    listed = await attention.get("/v1/tickets", municipality=VES, office="OMAPED")
    first = listed.json()[0]["ticket_id"]
    await attention.post(f"/v1/tickets/{first}/call", {"staff": "x"})
    gone = await attention.post(f"/v1/tickets/{first}/no-show", {"staff": "x"})
    assert gone.json()["status"] == "no_show"
    late = await attention.post(f"/v1/tickets/{first}/attend", {"staff": "x"})
    assert late.status_code == 409
    assert late.json()["type"] == "https://chasqui.pe/problems/ticket-transition-invalid"


async def test_bad_input_gets_specific_problems(attention: Attention) -> None:
    citizen = await attention.counter_citizen()
    base = {
        "municipality": VES, "office": "CIAM", "procedure": "inscripcion", "citizen_id": citizen,
        "staff": "ana", "outcome": "resolved", "duration_seconds": 60,
    }  # fmt: skip
    unknown = await attention.post("/v1/attentions", {**base, "procedure": "pasaporte"})
    assert unknown.status_code == 422
    problem = unknown.json()
    assert problem["type"] == "https://chasqui.pe/problems/unknown-procedure"
    assert problem["errors"][0] == {
        "field": "procedure", "value": "pasaporte", "expected": "one of inscripcion, talleres, orientacion",
    }  # fmt: skip
    step = await attention.post("/v1/attentions", {**base, "step": "firma"})
    assert step.json()["type"] == "https://chasqui.pe/problems/unknown-step"
    sector = await attention.post("/v1/attentions", {**base, "sector": "Z9"})
    assert sector.json()["type"] == "https://chasqui.pe/problems/unknown-sector"
    ticket = await attention.post("/v1/tickets", {"municipality": VES, "office": "CIAM", "procedure": "yoga"})
    assert ticket.json()["type"] == "https://chasqui.pe/problems/unknown-procedure"


async def test_demuna_content_is_refused_to_a_ciam_clerk(attention: Attention) -> None:
    child = await attention.counter_citizen(name="Mateo")
    demuna_record = {
        "municipality": VES, "office": "DEMUNA", "procedure": "conciliacion_alimentos", "citizen_id": child,
        "staff": "demuna.abogada", "outcome": "in_progress", "duration_seconds": 1800,
        "notes": "Madre solicita conciliación de alimentos",
    }  # fmt: skip
    refused_write = await attention.post("/v1/attentions", demuna_record, READ, WRITE)
    assert refused_write.status_code == 403
    assert refused_write.json()["type"] == "https://chasqui.pe/problems/demuna-confidential"

    recorded = await attention.post("/v1/attentions", demuna_record, READ, WRITE, DEMUNA)
    assert recorded.status_code == 201, recorded.text
    attention_id = recorded.json()["attention_id"]

    ciam_clerk = await attention.get(f"/v1/attentions/{attention_id}", READ)
    assert ciam_clerk.status_code == 403
    assert ciam_clerk.json()["type"] == "https://chasqui.pe/problems/demuna-confidential"
    assert "Madre" not in ciam_clerk.text
    demuna_staff = await attention.get(f"/v1/attentions/{attention_id}", READ, DEMUNA)
    assert demuna_staff.json()["notes"] == "Madre solicita conciliación de alimentos"

    timeline = await attention.get(f"/v1/citizens/{child}/timeline", READ)
    [entry] = timeline.json()["entries"]
    assert entry == {
        "kind": "attention", "id": attention_id, "office": "DEMUNA", "at": entry["at"], "confidential": True,
        "procedure": None, "status": None, "detail": None,
    }  # fmt: skip

    [event] = await attention.events(CITIZEN_ATTENTION_ATTENTIONS.name, attention_id)
    assert event["data"]["confidential"] is True
    assert event["data"]["citizen_id"] is None
    assert event["data"]["procedure"] is None
    assert "conciliacion" not in str(event)
    assert "Madre" not in str(event)
