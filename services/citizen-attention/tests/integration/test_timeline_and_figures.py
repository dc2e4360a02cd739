"""One timeline per person across the offices; attention figures and the process map (JSON)."""

from datetime import timedelta

from .conftest import DEMUNA, READ, VES, WRITE, Attention


async def record(
    a: Attention,
    citizen: str,
    procedure: str,
    step: str,
    seconds: int,
    *,
    demuna: bool = False,
    **extra: object,
) -> str:
    """Record an attention (it started `seconds` before the clock's now)."""
    scopes = (READ, WRITE, DEMUNA) if demuna else ()
    r = await a.post(
        "/v1/attentions",
        {
            "municipality": VES, "office": extra.pop("office", "OMAPED"), "procedure": procedure, "step": step,
            "citizen_id": citizen, "staff": "omaped.1", "outcome": "in_progress", "duration_seconds": seconds,
            **extra,
        },
        *scopes,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["attention_id"])


async def test_one_timeline_across_the_four_offices(attention: Attention) -> None:
    citizen = await attention.counter_citizen()
    await attention.post("/v1/tickets", {"municipality": VES, "office": "CIAM", "citizen_id": citizen})
    attention.clock.advance(timedelta(minutes=5))
    await record(attention, citizen, "orientacion", "orientacion", 120, office="CIAM")
    attention.clock.advance(timedelta(minutes=5))
    await attention.post(
        "/v1/referrals",
        {
            "municipality": VES,
            "from_office": "CIAM",
            "to_office": "ULE",
            "citizen_id": citizen,
            "staff": "ciam",
        },
    )
    attention.clock.advance(timedelta(minutes=5))
    await attention.post(
        "/v1/classification-requests", {"municipality": VES, "citizen_id": citizen, "staff": "ule"}
    )
    attention.clock.advance(timedelta(minutes=5))
    await record(attention, citizen, "orientacion", "orientacion", 60, office="DEMUNA", demuna=True)

    timeline = (await attention.get(f"/v1/citizens/{citizen}/timeline", READ, DEMUNA)).json()
    kinds = [(e["kind"], e["office"]) for e in timeline["entries"]]
    assert kinds == [
        ("attention", "DEMUNA"),
        ("classification_request", "ULE"),
        ("referral", "ULE"),
        ("attention", "CIAM"),
        ("ticket", "CIAM"),
    ]
    assert timeline["citizen"]["citizen_id"] == citizen
    assert {"household_id", "migrant_id", "migrant_case_id", "seeker_id"} <= timeline.keys()


async def test_attention_figures_per_office_procedure_day_and_sector(attention: Attention) -> None:
    people = [await attention.counter_citizen() for _ in range(3)]
    for i, person in enumerate(people):
        ticket = (await attention.post("/v1/tickets", {"municipality": VES, "office": "OMAPED"})).json()
        attention.clock.advance(timedelta(minutes=10 * (i + 1)))
        await attention.post(f"/v1/tickets/{ticket['ticket_id']}/call", {"staff": "omaped.1"})
        await record(
            attention, person, "certificado_conadis", "orientacion", 600 * (i + 1), ticket_id=ticket["ticket_id"],
            sector="S1",
        )  # fmt: skip
    missed = (await attention.post("/v1/tickets", {"municipality": VES, "office": "OMAPED"})).json()
    await attention.post(f"/v1/tickets/{missed['ticket_id']}/no-show", {"staff": "omaped.1"})
    await attention.post(
        "/v1/referrals",
        {
            "municipality": VES,
            "from_office": "OMAPED",
            "to_office": "CIAM",
            "citizen_id": people[0],
            "staff": "o",
        },
    )

    r = await attention.get(
        "/v1/figures/attention", READ, municipality=VES, **{"from": "2026-03-09", "to": "2026-03-09"}
    )
    assert r.status_code == 200, r.text
    figures = r.json()
    [row] = [f for f in figures["attentions"] if f["procedure"] == "certificado_conadis"]
    assert row == {
        "office": "OMAPED", "procedure": "certificado_conadis", "day": "2026-03-09", "sector": "S1",
        "attentions": 3, "service_p50_seconds": 1200.0, "service_p90_seconds": 1680.0,
        "waiting_p50_seconds": 1200.0, "waiting_p90_seconds": 1680.0,
    }  # fmt: skip
    [queue] = [q for q in figures["queues"] if q["office"] == "OMAPED"]
    assert queue["tickets"] == 4
    assert queue["no_shows"] == 1
    [made] = [x for x in figures["referrals"] if x["office"] == "OMAPED"]
    [received] = [x for x in figures["referrals"] if x["office"] == "CIAM"]
    assert made["made"] == 1
    assert received["received"] == 1
    assert received["completed"] == 0

    backwards = await attention.get(
        "/v1/figures/attention", READ, municipality=VES, **{"from": "2026-03-09", "to": "2026-03-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["type"] == "https://chasqui.pe/problems/invalid-period"


async def test_the_process_map_is_derived_from_recorded_attentions(attention: Attention) -> None:
    for person_steps in (
        ["orientacion", "derivacion_establecimiento_salud", "seguimiento"],
        ["orientacion", "seguimiento"],
    ):
        person = await attention.counter_citizen()
        for step in person_steps:
            await record(attention, person, "certificado_conadis", step, 900)
            attention.clock.advance(timedelta(hours=1))
    r = await attention.get(
        "/v1/figures/process-map", READ, municipality=VES, office="OMAPED", procedure="certificado_conadis",
        **{"from": "2026-03-09", "to": "2026-03-09"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    process = r.json()
    assert [(s["step"], s["position"], s["attentions"]) for s in process["steps"]] == [
        ("orientacion", 0, 2),
        ("derivacion_establecimiento_salud", 1, 1),
        ("seguimiento", 2, 2),
    ]
    transitions = {
        (t["from_step"], t["to_step"]): (t["count"], t["median_seconds"]) for t in process["transitions"]
    }
    assert transitions == {
        ("orientacion", "derivacion_establecimiento_salud"): (1, 3600.0),
        ("derivacion_establecimiento_salud", "seguimiento"): (1, 3600.0),
        ("orientacion", "seguimiento"): (1, 3600.0),
    }
    demuna = await attention.get(
        "/v1/figures/process-map", READ, municipality=VES, office="DEMUNA", procedure="orientacion",
        **{"from": "2026-03-09", "to": "2026-03-09"},
    )  # fmt: skip
    assert demuna.status_code == 403
