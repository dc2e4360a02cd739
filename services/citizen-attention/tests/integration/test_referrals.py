"""Referrals between offices, their deadlines in working days, the missed-deadline watch, and the
Migracentro referral to registration landing at the ULE of the district."""

from datetime import UTC, date, datetime, timedelta

from chasqui_common.events.migrants import MigrantIdentity, ReferralIssued, ReferralTarget
from chasqui_common.topics import CITIZEN_ATTENTION_REFERRALS
from chasqui_common.values import DocumentType, IdentityDocument

from .conftest import DEMUNA, READ, VES, WRITE, Attention, dni, publish


def referral(citizen: str, **extra: object) -> dict[str, object]:
    return {
        "municipality": VES, "from_office": "CIAM", "to_office": "OMAPED", "citizen_id": citizen,
        "staff": "ana.ciam", "procedure": "inscripcion_municipal", "reason": "Usa silla de ruedas", **extra,
    }  # fmt: skip


async def test_a_referral_is_made_accepted_and_completed_within_its_working_day_deadline(
    attention: Attention,
) -> None:
    citizen = await attention.counter_citizen()
    made = await attention.post("/v1/referrals", referral(citizen))
    assert made.status_code == 201, made.text
    body = made.json()
    # inscripcion_municipal: 10 working days from Monday 9 March 2026
    assert body["status"] == "pending"
    assert body["due_on"] == "2026-03-23"
    accepted = await attention.post(f"/v1/referrals/{body['referral_id']}/accept", {"staff": "omaped"})
    assert accepted.json()["status"] == "accepted"
    done = await attention.post(f"/v1/referrals/{body['referral_id']}/complete", {"staff": "omaped"})
    assert done.json()["status"] == "completed"
    events = await attention.events(CITIZEN_ATTENTION_REFERRALS.name, body["referral_id"], count=3)
    assert [e["type"].split(".")[-2] for e in events] == ["made", "accepted", "completed"]
    assert events[2]["data"]["on_time"] is True
    assert all("Usa silla" not in str(e) for e in events)


async def test_referral_bad_input_gets_specific_problems(attention: Attention) -> None:
    citizen = await attention.counter_citizen()
    same = await attention.post("/v1/referrals", referral(citizen, to_office="CIAM", procedure=None))
    assert same.status_code == 422
    assert same.json()["type"] == "https://chasqui.pe/problems/referral-to-same-office"
    assert same.json()["errors"][0]["field"] == "to_office"
    past = await attention.post("/v1/referrals", referral(citizen, due_on="2026-03-06"))
    assert past.status_code == 422
    assert past.json()["type"] == "https://chasqui.pe/problems/deadline-in-past"
    assert past.json()["errors"][0] == {
        "field": "due_on", "value": "2026-03-06", "expected": "a date on or after 2026-03-09",
    }  # fmt: skip
    made = (await attention.post("/v1/referrals", referral(citizen))).json()
    no_reason = await attention.post(f"/v1/referrals/{made['referral_id']}/reject", {"staff": "omaped"})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    rejected = await attention.post(
        f"/v1/referrals/{made['referral_id']}/reject", {"staff": "omaped", "reason": "Ya inscrito"}
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Ya inscrito"
    late = await attention.post(f"/v1/referrals/{made['referral_id']}/accept", {"staff": "omaped"})
    assert late.status_code == 409


async def test_a_missed_referral_deadline_is_announced_once(attention: Attention) -> None:
    citizen = await attention.counter_citizen()
    made = (await attention.post("/v1/referrals", referral(citizen, due_on="2026-03-10"))).json()
    attention.clock.set(datetime(2026, 3, 11, 9, tzinfo=UTC))

    async def flagged() -> bool:
        r = await attention.get(f"/v1/referrals/{made['referral_id']}")
        return r.json()["deadline_missed_at"] is not None

    await attention.until(flagged, timeout=30)
    attention.clock.advance(timedelta(days=2))  # more sweeps, later days: still announced once
    events = await attention.events(CITIZEN_ATTENTION_REFERRALS.name, made["referral_id"], count=2)
    missed = [e for e in events if e["type"] == "pe.chasqui.attention.referral.deadline-missed.v1"]
    assert len(missed) == 1
    assert missed[0]["data"]["due_on"] == "2026-03-10"
    assert missed[0]["data"]["status"] == "pending"
    assert missed[0]["data"]["to_office"] == "OMAPED"


async def test_a_referral_to_demuna_hides_its_words_from_other_offices(attention: Attention) -> None:
    child = await attention.counter_citizen(name="Sofía")
    made = await attention.post(
        "/v1/referrals",
        referral(child, to_office="DEMUNA", procedure="orientacion", reason="Posible maltrato"),
    )
    assert made.status_code == 201, made.text
    referral_id = made.json()["referral_id"]
    refused = await attention.get(f"/v1/referrals/{referral_id}", READ)
    assert refused.status_code == 403
    assert refused.json()["type"] == "https://chasqui.pe/problems/demuna-confidential"
    listed = await attention.get("/v1/referrals", READ, citizen_id=child)
    assert listed.json()[0]["reason"] is None
    assert listed.json()[0]["confidential"] is True
    accept_without = await attention.post(f"/v1/referrals/{referral_id}/accept", {"staff": "x"}, READ, WRITE)
    assert accept_without.status_code == 403
    accepted = await attention.post(
        f"/v1/referrals/{referral_id}/accept", {"staff": "x"}, READ, WRITE, DEMUNA
    )
    assert accepted.json()["reason"] == "Posible maltrato"
    [made_event, *_] = await attention.events(CITIZEN_ATTENTION_REFERRALS.name, referral_id)
    assert made_event["data"]["citizen_id"] is None
    assert made_event["data"]["confidential"] is True


async def test_a_migracentro_referral_to_registration_lands_at_the_ule_of_the_district(
    attention: Attention,
) -> None:
    now = datetime(2026, 3, 9, 14, tzinfo=UTC)
    ids = []
    for district in ("150142", "150101"):  # Villa El Salvador; Lima Cercado, with no data loaded
        cpp = f"CPP{dni()}"
        person = MigrantIdentity(
            migrant_id="M-" + cpp,
            document=IdentityDocument(type=DocumentType.CPP, number=cpp),
            given_names="José",
            birth_date=date(1988, 1, 2),
            nationality="VEN",
        )
        issued = ReferralIssued(
            referral_id="R-" + cpp, case_id="C-" + cpp, migrant_id=person.migrant_id,
            target=ReferralTarget.HOUSEHOLD_REGISTRATION, attention_point="VMT",
            attention_point_ubigeo=district, issued_at=now, person=person,
        )  # fmt: skip
        await publish(attention.bootstrap, "/chasqui/migrant-services", issued, issued)  # redelivered
        ids.append(cpp)

    async def landed(cpp: str) -> dict[str, object] | None:
        r = await attention.get("/v1/citizens", document_type="CPP", document_number=cpp)
        if r.status_code != 200:
            return None
        found = (await attention.get("/v1/referrals", citizen_id=r.json()["citizen_id"])).json()
        return {"citizen": r.json(), "referrals": found} if found else None

    at_ves = await attention.until(lambda: landed(ids[0]))
    [ule] = at_ves["referrals"]
    assert ule["municipality"] == VES
    assert ule["to_office"] == "ULE"
    assert ule["source"] == "migracentro"
    assert ule["procedure"] == "S100"
    assert ule["migrant_case_id"] == "C-" + ids[0]
    assert at_ves["citizen"]["migrant_case_id"] == "C-" + ids[0]
    worklist = await attention.get("/v1/referrals", municipality=VES, to_office="ULE", status="pending")
    assert ule["referral_id"] in {r["referral_id"] for r in worklist.json()}
    elsewhere = await attention.until(lambda: landed(ids[1]))
    [kept] = elsewhere["referrals"]
    assert kept["municipality"] is None
    assert kept["district"] == "150101"
