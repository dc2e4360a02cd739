"""Issue 13: the shared value rules (docs/values.md) at every entry point of migrant-services.

Each input quoted in the issue that applies here, against the real database and broker: refused
with 422 problem details naming the field (never a 500), or stored in its canonical form.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from chasqui_common.events.migrants import ReferralIssued
from chasqui_testing import RunningService

from .conftest import events_for, migrant_body, register, unique_number


def _fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


async def _referred_to_employment(client: httpx.AsyncClient, person: dict[str, Any]) -> str:
    case = await client.post(
        "/v1/cases",
        json={
            "migrant_id": person["migrant_id"],
            "attention_point": person["attention_point"],
            "requested_services": ["employment_orientation"],
        },
    )
    assert case.status_code == 201, case.text
    case_id: str = case.json()["case_id"]
    assert (await client.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})).is_success
    referral = await client.post(f"/v1/cases/{case_id}/referrals", json={"target": "employment"})
    assert referral.status_code == 201, referral.text
    return case_id


async def _referral_event(bootstrap: str, case_id: str) -> ReferralIssued:
    events = await events_for(bootstrap, {case_id}, count=2)
    issued = [data for kind, data in events if kind.endswith("referral.issued.v1")]
    assert len(issued) == 1, events
    return ReferralIssued.model_validate(issued[0])


async def test_a_nul_in_a_name_is_a_422_naming_the_field_not_a_500(service: RunningService) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        nul = await client.post("/v1/migrants", json=migrant_body(given_names="Ana\u0000Maria"))
        assert nul.status_code == 422, nul.text
        assert _fields(nul) == ["given_names"]
        for field, value in (("paternal_surname", "Rondón\u0085"), ("given_names", "Ana\tMaria")):
            refused = await client.post("/v1/migrants", json=migrant_body(**{field: value}))
            assert refused.status_code == 422, refused.text
            assert _fields(refused) == [field]
        # text is kept byte for byte: no stripping, no normalisation
        kept = await register(client, given_names=" Ana\u0301 ")
        assert kept["given_names"] == " Ana\u0301 "
        # query and path parameters go through the same rule
        lookup = await client.get(
            "/v1/migrants", params={"document_type": "PASSPORT", "document_number": "P\u00001234567"}
        )
        assert lookup.status_code == 422, lookup.text
        assert _fields(lookup) == ["query.document_number"]
        path = await client.get("/v1/attention-points/IC%00A")
        assert path.status_code == 422, path.text
        assert _fields(path) == ["path.code"]
        case = await client.post(
            f"/v1/cases/{uuid.uuid4()}/transitions", json={"status": "closed", "note": "a\x00"}
        )
        assert case.status_code == 422, case.text
        assert _fields(case) == ["note"]


@pytest.mark.parametrize("birth_date", [0, "86400", 86400.0, "1990-04-02T00:00:00", "02/04/1990"])
async def test_a_birth_date_is_an_iso_string_only(service: RunningService, birth_date: object) -> None:
    async with service.client("migrants:write") as client:
        refused = await client.post("/v1/migrants", json=migrant_body(birth_date=birth_date))
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "birth_date"
    assert "YYYY-MM-DD" in error["expected"]


async def test_other_dates_are_iso_strings_only(service: RunningService) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        document = {"type": "CPP", "number": unique_number("C"), "expires_on": 0}
        expiry = await client.post("/v1/migrants", json=migrant_body(documents=[document]))
        assert expiry.status_code == 422, expiry.text
        assert _fields(expiry) == ["documents.0.expires_on"]
        entry = await client.post("/v1/migrants", json=migrant_body(entry_date="86400"))
        assert _fields(entry) == ["entry_date"]
        person = await register(client)
        day = await client.post(
            "/v1/appointments",
            json={
                "migrant_id": person["migrant_id"],
                "attention_point": "ICA",
                "service": "document_procedure",
                "day": "86400",
            },
        )
        assert day.status_code == 422, day.text
        assert _fields(day) == ["day"]
        listed = await client.get("/v1/appointments", params={"day": "0"})
        assert listed.status_code == 422, listed.text
        assert _fields(listed) == ["query.day"]
        stats = await client.get("/v1/stats/attention-points", params={"from": "86400"})
        assert stats.status_code == 422, stats.text
        assert _fields(stats) == ["query.from"]


@pytest.mark.parametrize("written", ["987654321", "51987654321", "0051987654321", "+51 987 654 321"])
async def test_a_peruvian_mobile_is_stored_in_e164(service: RunningService, written: str) -> None:
    contact = {"phone": written, "consent": {"sms": True, "whatsapp": True}}
    async with service.client("migrants:write", "migrants:read") as client:
        person = await register(client, contact=contact)
        assert person["contact"]["phone"] == "+51987654321"
        stored = (await client.get(f"/v1/migrants/{person['migrant_id']}")).json()
        assert stored["contact"]["phone"] == "+51987654321"


async def test_an_invalid_phone_is_refused_and_sms_consent_needs_a_mobile(service: RunningService) -> None:
    async with service.client("migrants:write") as client:
        short = await client.post("/v1/migrants", json=migrant_body(contact={"phone": "+5198765432"}))
        assert short.status_code == 422, short.text
        assert _fields(short) == ["contact.phone"]
        landline = {"phone": "014123456", "consent": {"sms": True}}
        refused = await client.post("/v1/migrants", json=migrant_body(contact=landline))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "contact.consent.sms"
        whatsapp = {"phone": "014123456", "consent": {"whatsapp": True}}
        assert _fields(await client.post("/v1/migrants", json=migrant_body(contact=whatsapp))) == [
            "contact.consent.whatsapp"
        ]
        # a landline without SMS/WhatsApp consent is a valid contact, stored in E.164
        kept = await register(client, contact={"phone": "(01) 412-3456", "consent": {"email": False}})
        assert kept["contact"]["phone"] == "+5114123456"
        bad_email = await client.post("/v1/migrants", json=migrant_body(contact={"email": "maria@@example"}))
        assert _fields(bad_email) == ["contact.email"]


async def test_a_13_character_passport_is_accepted_and_referred_with_it(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    number = unique_number("P")[:9] + "ABCD"  # 13 letters and digits
    assert len(number) == 13
    async with service.client("migrants:write", "migrants:read") as client:
        person = await register(client, documents=[{"type": "PASSPORT", "number": number.lower()}])
        assert person["documents"][0]["number"] == number  # canonical: upper-case
        case_id = await _referred_to_employment(client, person)
        # the dead-lettering service (employment, 6-12) now shares the 5-15 rule
        too_long = await client.post(
            "/v1/migrants", json=migrant_body(documents=[{"type": "PASSPORT", "number": "P" * 16}])
        )
        assert _fields(too_long) == ["documents.0.number"]
    issued = await _referral_event(kafka_bootstrap_servers, case_id)
    assert issued.person.document.type == "PASSPORT"
    assert issued.person.document.number == number


async def test_a_refugee_applicant_referred_to_employment_gives_a_valid_referral_event(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    number = "SR-" + unique_number()
    async with service.client("migrants:write", "migrants:read") as client:
        person = await register(client, documents=[{"type": "REFUGEE_APPLICANT", "number": number.lower()}])
        assert person["documents"][0]["number"] == number  # hyphens kept
        case_id = await _referred_to_employment(client, person)
    issued = await _referral_event(kafka_bootstrap_servers, case_id)
    assert (issued.person.document.type, issued.person.document.number) == ("REFUGEE_APPLICANT", number)
    assert issued.employment is not None


async def test_a_document_number_follows_the_shared_rule_of_its_type(service: RunningService) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        dni = await client.post(
            "/v1/migrants", json=migrant_body(documents=[{"type": "DNI", "number": "1234"}])
        )
        assert _fields(dni) == ["documents.0.number"]
        none = await client.post(
            "/v1/migrants", json=migrant_body(documents=[{"type": "NONE", "number": "x"}])
        )
        assert none.status_code == 422, none.text
        assert _fields(none) == ["documents[0].type"]
        passport = unique_number("P")
        person = await register(client, documents=[{"type": "PASSPORT", "number": passport}])
        spaced = " ".join([passport[:4], passport[4:]]).lower()
        found = await client.get(
            "/v1/migrants", params={"document_type": "PASSPORT", "document_number": spaced}
        )
        assert [m["migrant_id"] for m in found.json()] == [person["migrant_id"]]
        renewal = await client.put(
            f"/v1/migrants/{person['migrant_id']}/documents", json={"type": "CE", "number": "E1"}
        )
        assert _fields(renewal) == ["number"]


async def test_ubigeo_090708_is_not_a_district(service: RunningService) -> None:
    code = "T" + uuid.uuid4().hex[:8].upper()
    point = {
        "code": code,
        "name": "Migracentro de prueba",
        "address": "Jr. Lima 123",
        "opening_hours": {"mon": "08:00-12:00"},
        "daily_capacity": {},
    }
    async with service.client("migrants:write") as client:
        spurious = await client.post("/v1/attention-points", json={**point, "ubigeo": "090708"})
        assert spurious.status_code == 422, spurious.text
        assert _fields(spurious) == ["ubigeo"]
        huaribamba = await client.post("/v1/attention-points", json={**point, "ubigeo": "090709"})
        assert huaribamba.status_code == 201, huaribamba.text
        nul = await client.post(
            "/v1/attention-points",
            json={**point, "code": code + "X", "ubigeo": "110101", "name": "Mi\x00gra"},
        )
        assert _fields(nul) == ["name"]


async def test_an_attention_point_stored_in_090708_before_the_rule_moves_to_huaribamba(
    service: RunningService,
) -> None:
    """Migration 0003 (docs/values.md, "Data stored before the rules")."""
    from importlib import resources

    code = "T" + uuid.uuid4().hex[:8].upper()
    point = {
        "code": code,
        "name": "Migracentro de Tayacaja",
        "address": "Jr. Lima 123",
        "opening_hours": {"mon": "08:00-12:00"},
        "daily_capacity": {},
        "ubigeo": "090709",
    }
    async with service.client("migrants:write", "migrants:read") as client:
        assert (await client.post("/v1/attention-points", json=point)).status_code == 201
        async with service.runtime.pool.acquire() as conn:
            await conn.execute("UPDATE attention_points SET ubigeo = '090712' WHERE code = $1", code)
            migration = (
                resources.files("chasqui_migrant_services.migrations")
                .joinpath("0003_ubigeos_removed_from_the_inei_table.sql")
                .read_text(encoding="utf-8")
            )
            await conn.execute(migration)
        listed = await client.get("/v1/attention-points")
    assert listed.status_code == 200, listed.text
    assert {p["code"]: p["ubigeo"] for p in listed.json()}[code] == "090714"
