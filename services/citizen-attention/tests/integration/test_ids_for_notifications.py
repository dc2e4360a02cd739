"""What citizen-attention's events give notifications (issue 15, point 8), on the real broker and
database: the citizen's registry id as `recipient_person_id` (never contact details), the office
head of a missed referral deadline as `office_head_id`, and the heads of the data file announced
once (`office-head.designated`), not at every load."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chasqui_citizen_attention.application.commands import load_municipal_data
from chasqui_citizen_attention.application.models import LoadMunicipalData
from chasqui_common.events.registry import HouseholdRegistered
from chasqui_common.topics import CITIZEN_ATTENTION_REFERRALS, CITIZEN_ATTENTION_REQUESTS

from .conftest import VES, Attention, dni, household, member, publish

DESIGNATED = "pe.chasqui.attention.office-head.designated.v1"


async def _registry_citizen(attention: Attention) -> tuple[str, str]:
    """A citizen the registry knows: (citizen id, registry person id)."""
    number = dni()
    head = member(number, "Juana", date(1950, 6, 1))
    await publish(
        attention.bootstrap,
        "/chasqui/registry",
        HouseholdRegistered(household_id=(h := household(head)).household_id, household=h),
    )

    async def found() -> str | None:
        r = await attention.get("/v1/citizens", document_type="DNI", document_number=number)
        return str(r.json()["citizen_id"]) if r.status_code == 200 else None

    return await attention.until(found, timeout=60), head.person_id


async def test_s100_and_referral_events_name_the_person_by_registry_id_only(attention: Attention) -> None:
    citizen_id, person_id = await _registry_citizen(attention)
    counter = await attention.counter_citizen()
    ids = {}
    for who in (citizen_id, counter):
        r = await attention.post(
            "/v1/classification-requests", {"municipality": VES, "citizen_id": who, "staff": "ule.1"}
        )
        assert r.status_code == 201, r.text
        ids[who] = r.json()["request_id"]
        await attention.post(f"/v1/classification-requests/{ids[who]}/home-visit", {})
        result = await attention.post(
            f"/v1/classification-requests/{ids[who]}/result",
            {
                "household_id": "H-1",
                "level": "POBRE",
                "valid_from": "2026-03-09",
                "valid_until": "2029-03-08",
            },
        )
        assert result.status_code == 200, result.text
    known = await attention.events(CITIZEN_ATTENTION_REQUESTS.name, ids[citizen_id], count=3)
    assert [e["data"]["recipient_person_id"] for e in known] == [person_id] * 3
    for event in known:
        assert not {"phone", "email", "contact"} & set(event["data"])
    unknown = await attention.events(CITIZEN_ATTENTION_REQUESTS.name, ids[counter], count=3)
    assert [e["data"]["recipient_person_id"] for e in unknown] == [None] * 3, "known at the counter only"

    made = await attention.post(
        "/v1/referrals",
        {"municipality": VES, "from_office": "CIAM", "to_office": "OMAPED", "citizen_id": citizen_id,
         "staff": "ciam.1"},
    )  # fmt: skip
    referral_id = made.json()["referral_id"]
    assert (
        await attention.post(f"/v1/referrals/{referral_id}/accept", {"staff": "omaped.1"})
    ).status_code == 200
    events = await attention.events(CITIZEN_ATTENTION_REFERRALS.name, referral_id, count=2)
    [accepted] = [e["data"] for e in events if e["type"] == "pe.chasqui.attention.referral.accepted.v1"]
    assert accepted["recipient_person_id"] == person_id


async def test_office_heads_are_announced_once_and_a_missed_deadline_names_the_receiving_head(
    attention: Attention,
) -> None:
    runtime = attention.service.runtime

    async def designated() -> list[str]:
        rows = await runtime.pool.fetch("SELECT message_key FROM outbox WHERE event_type = $1", DESIGNATED)
        return sorted(row["message_key"] for row in rows)

    heads = [f"office-head-{VES}-{office}" for office in ("CIAM", "DEMUNA", "OMAPED", "ULE")]
    assert await designated() == heads, "Villa El Salvador's file names a head per office"
    await runtime.transactions.command(load_municipal_data, LoadMunicipalData(()))
    assert await designated() == heads, "the same file loaded again announces nothing"

    citizen = await attention.counter_citizen()
    made = await attention.post(
        "/v1/referrals",
        {"municipality": VES, "from_office": "CIAM", "to_office": "ULE", "citizen_id": citizen,
         "staff": "ciam.1", "due_on": "2026-03-10"},
    )  # fmt: skip
    referral_id = made.json()["referral_id"]
    attention.clock.set(datetime(2026, 3, 11, 15, tzinfo=UTC))

    async def flagged() -> bool:
        return (await attention.get(f"/v1/referrals/{referral_id}")).json()["deadline_missed_at"] is not None

    await attention.until(flagged, timeout=30)
    events = await attention.events(CITIZEN_ATTENTION_REFERRALS.name, referral_id, count=2)
    [missed] = [e["data"] for e in events if e["type"] == "pe.chasqui.attention.referral.deadline-missed.v1"]
    assert missed["office_head_id"] == f"office-head-{VES}-ULE"
