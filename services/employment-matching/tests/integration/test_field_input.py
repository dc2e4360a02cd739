"""Issue 13: the inputs from the field, at every entry point of the service (real broker and database).

Each quoted input of the issue that employment-matching takes is a test: at the API (body, query
and path parameters) and at the consumer of migrant referrals (a refused value dead-letters the
event with the field, the value and the expectation).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.events.migrants import EmploymentProfile, MigrantIdentity, ReferralIssued, ReferralTarget
from chasqui_common.events.registry import Consent, Contact, DocumentType, IdentityDocument
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import MIGRANT_SERVICES_CASES
from chasqui_common.values import UBIGEO_EXPECTED
from chasqui_testing import RunningService, collect_records

from .payloads import _rng, seeker, unique_ruc, vacancy


def field_of(r: Any) -> str:
    """The first failing field of a 422 problem document."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return str(r.json()["errors"][0]["field"])


async def post(http: Any, url: str, body: dict[str, Any]) -> Any:
    """POST `body` as ASCII JSON (a lone surrogate travels as its escape, as a client would send it)."""
    return await http.post(url, content=json.dumps(body), headers={"content-type": "application/json"})


def unique_passport(length: int) -> str:
    return "P" + "".join(str(_rng.randint(0, 9)) for _ in range(length - 1))


# -- request bodies, query and path parameters ---------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["Ana\u0000Maria", "Ana\tMaria", "Ana\nMaria", "Ana\u0085Maria", "Ana\u009fMaria", "Ana\ud800Maria"],
    ids=["NUL", "tab", "LF", "C1-NEL", "C1-APC", "lone-surrogate"],
)
async def test_control_characters_in_any_text_field_are_422_naming_the_field(
    service: RunningService, bad: str
) -> None:
    async with service.client("employment:write", "employment:read") as http:
        assert field_of(await post(http, "/v1/job-seekers", seeker(given_names=bad))) == "given_names"
        assert (
            field_of(await post(http, "/v1/job-seekers", seeker(maternal_surname=bad))) == "maternal_surname"
        )
        assert field_of(await post(http, "/v1/job-seekers", seeker(skills=[bad]))) == "skills.0"
        assert field_of(await post(http, "/v1/employers", {"ruc": unique_ruc(), "name": bad})) == "name"
        assert field_of(await post(http, "/v1/vacancies", vacancy(unique_ruc(), title=bad))) == "title"
        fair = {"name": "Feria", "held_on": "2030-05-01", "ubigeo": "150101", "venue": bad}
        assert field_of(await post(http, "/v1/job-fairs", fair)) == "venue"
        if not ("\ud800" <= bad[3] <= "\udfff"):  # a URL cannot carry a lone surrogate
            r = await http.get("/v1/job-seekers", params={"document_type": "DNI", "document_number": bad})
            assert field_of(r).endswith("document_number")
        # The connection stays usable after each refusal.
        assert (await http.get("/v1/stats/departments")).status_code == 200


async def test_text_is_stored_byte_exact_and_a_name_with_nul_is_not_a_500(service: RunningService) -> None:
    name = " Ána  María\u0301 😀 "  # leading/trailing spaces, NFD accent, emoji: kept as written
    async with service.client("employment:write", "employment:read") as http:
        r = await http.post("/v1/job-seekers", json=seeker(given_names=name))
        assert r.status_code == 201, r.text
        assert r.json()["given_names"] == name
        got = await http.get(f"/v1/job-seekers/{r.json()['seeker_id']}")
        assert got.json()["given_names"] == name

        r = await http.post("/v1/job-seekers", json=seeker(given_names="Ana\u0000Maria"))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "given_names"
        assert "control characters" in r.json()["errors"][0]["expected"]


@pytest.mark.parametrize("bad", [0, "86400", 86400, "1994-3-12", "12/03/1994", "1994-03-12T00:00:00"])
async def test_dates_are_iso_strings_only(service: RunningService, bad: object) -> None:
    async with service.client("employment:write") as http:
        r = await http.post("/v1/job-seekers", json=seeker(birth_date=bad))
        assert field_of(r) == "birth_date"
        assert "YYYY-MM-DD" in r.json()["errors"][0]["expected"]
        assert field_of(await http.post("/v1/vacancies", json=vacancy(unique_ruc(), closes_on=bad))) == (
            "closes_on"
        )
        fair = {"name": "Feria", "held_on": bad, "ubigeo": "150101", "venue": "Parque"}
        assert field_of(await http.post("/v1/job-fairs", json=fair)) == "held_on"
        placement = {"seeker_id": str(uuid.uuid4()), "vacancy_id": str(uuid.uuid4()), "start_date": bad}
        assert field_of(await http.post("/v1/placements", json=placement)) == "start_date"


@pytest.mark.parametrize("written", ["987654321", "51987654321", "0051987654321", "+51 987 654 321"])
async def test_one_mobile_in_any_form_is_stored_in_e164(service: RunningService, written: str) -> None:
    async with service.client("employment:write", "employment:read") as http:
        r = await http.post(
            "/v1/job-seekers", json=seeker(contact={"phone": written, "consent": {"sms": True}})
        )
        assert r.status_code == 201, r.text
        assert r.json()["contact"]["phone"] == "+51987654321"
        got = await http.get(f"/v1/job-seekers/{r.json()['seeker_id']}")
        assert got.json()["contact"]["phone"] == "+51987654321"


async def test_invalid_phones_and_sms_consent_for_a_landline_are_refused(service: RunningService) -> None:
    async with service.client("employment:write") as http:
        r = await http.post("/v1/job-seekers", json=seeker(contact={"phone": "+5198765432"}))
        assert field_of(r) == "contact.phone"

        landline = {"phone": "014123456", "consent": {"sms": True}}
        r = await http.post("/v1/job-seekers", json=seeker(contact=landline))
        assert field_of(r) == "contact.consent.sms"
        assert "mobile" in r.json()["errors"][0]["expected"]
        r = await http.post(
            "/v1/job-seekers", json=seeker(contact={"phone": "014123456", "consent": {"whatsapp": True}})
        )
        assert field_of(r) == "contact.consent.whatsapp"
        r = await http.post("/v1/job-seekers", json=seeker(contact={"consent": {"sms": True}}))
        assert field_of(r) == "contact.consent.sms"

        # A landline without SMS/WhatsApp consent is a phone like any other, kept in E.164.
        r = await http.post(
            "/v1/job-seekers", json=seeker(contact={"phone": "(01) 412-3456", "consent": {"email": False}})
        )
        assert r.status_code == 201, r.text
        assert r.json()["contact"]["phone"] == "+5114123456"

        r = await http.post("/v1/job-seekers", json=seeker(contact={"email": "ana@@example.pe"}))
        assert field_of(r) == "contact.email"


async def test_ubigeo_090708_is_refused_and_huaribamba_090709_scores_same_district(
    service: RunningService,
) -> None:
    async with service.client("employment:write", "employment:read") as http:
        r = await http.post("/v1/job-seekers", json=seeker(ubigeo="090708"))
        assert field_of(r) == "ubigeo"
        assert r.json()["errors"][0] == {"field": "ubigeo", "value": "090708", "expected": UBIGEO_EXPECTED}
        employer_ruc = unique_ruc()
        assert (
            await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Tayacaja SAC"})
        ).is_success
        assert (
            field_of(await http.post("/v1/vacancies", json=vacancy(employer_ruc, ubigeo="090708")))
            == "ubigeo"
        )
        fair = {"name": "Feria", "held_on": "2030-05-01", "ubigeo": "090708", "venue": "Plaza"}
        assert field_of(await http.post("/v1/job-fairs", json=fair)) == "ubigeo"

        job = {"occupation_code": "9211", "skills": []}
        seeker_id = (
            await http.post("/v1/job-seekers", json=seeker(ubigeo="090709", occupations=["9211"]))
        ).json()["seeker_id"]
        r = await http.post("/v1/vacancies", json=vacancy(employer_ruc, ubigeo="090709", **job))
        assert r.status_code == 201, r.text
        vacancy_id = r.json()["vacancy_id"]
        matches = (await http.get(f"/v1/job-seekers/{seeker_id}/matches")).json()["items"]
        [match] = [m for m in matches if m["vacancy_id"] == vacancy_id]
        [location] = [c for c in match["components"] if c["name"] == "location"]
        assert (location["points"], location["detail"].rsplit(": ", 1)[1]) == (20, "same district")


async def test_a_13_character_passport_is_a_job_seeker_and_can_be_looked_up(service: RunningService) -> None:
    passport = unique_passport(13)
    async with service.client("employment:write", "employment:read") as http:
        r = await http.post("/v1/job-seekers", json=seeker(document={"type": "PASSPORT", "number": passport}))
        assert r.status_code == 201, r.text
        found = await http.get(
            "/v1/job-seekers", params={"document_type": "PASSPORT", "document_number": passport.lower()}
        )
        assert [s["seeker_id"] for s in found.json()["items"]] == [r.json()["seeker_id"]]
        r = await http.post(
            "/v1/job-seekers", json=seeker(document={"type": "PASSPORT", "number": unique_passport(16)})
        )
        assert field_of(r) == "document.number"
        r = await http.post(
            "/v1/job-seekers", json=seeker(document={"type": "REFUGEE_APPLICANT", "number": "SR-2024-0001"})
        )
        assert field_of(r) == "document.type"
        assert field_of(await http.get("/v1/job-seekers/not%00a-uuid")) == "seeker_id"


# -- consumed referrals ---------------------------------------------------------------------------


def referral(
    document: IdentityDocument, *, phone: str = "+51912345678", consent: Consent | None = None
) -> ReferralIssued:
    return ReferralIssued(
        referral_id=str(uuid.uuid4()),
        case_id=str(uuid.uuid4()),
        migrant_id=str(uuid.uuid4()),
        target=ReferralTarget.EMPLOYMENT,
        attention_point="MC-LIMA-SJB",
        attention_point_ubigeo="150130",
        issued_at=datetime.now(UTC),
        person=MigrantIdentity(
            migrant_id="ignored-here",
            document=document,
            given_names="Yusmary",
            paternal_surname="Pérez",
            birth_date="1991-07-21",  # type: ignore[arg-type]
            nationality="VEN",
            contact=Contact(phone=phone, consent=consent or Consent(whatsapp=True)),
        ),
        employment=EmploymentProfile(occupations=("5120",), skills=("Cocina",)),
    )


async def send(bootstrap: str, *events: tuple[ReferralIssued, dict[str, Any] | None]) -> list[str]:
    """Publish referrals (their data replaced where given, to carry values the model refuses); the ids."""
    outbox = Outbox("/chasqui/migrants")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    ids = []
    try:
        for event, data in events:
            envelope = outbox.envelope(event)
            if data is not None:
                envelope = envelope.model_copy(update={"data": data})
            ids.append(str(envelope.id))
            await producer.send_and_wait(
                MIGRANT_SERVICES_CASES.name,
                envelope.body(),
                key=event.case_id.encode(),
                headers=envelope.kafka_headers(),
            )
    finally:
        await producer.stop()
    return ids


async def find(http: Any, type_: str, number: str, timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        r = await http.get("/v1/job-seekers", params={"document_type": type_, "document_number": number})
        items: list[dict[str, Any]] = r.json()["items"]
        if items or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.25)


async def dead_letters(bootstrap: str, ids: list[str], timeout: float = 30) -> dict[str, dict[str, str]]:
    """The employment consumer's dead letters of events `ids`, by event id, as header dicts."""
    deadline = time.monotonic() + timeout
    found: dict[str, dict[str, str]] = {}
    while True:
        for record in await collect_records(
            bootstrap, MIGRANT_SERVICES_CASES.dlq.name, count=10**9, timeout=2
        ):
            headers = {k: v.decode() for k, v in record.headers}
            if headers.get("ce_id") in ids and headers.get("dlq_consumer", "").startswith(
                "employment-matching"
            ):
                found[headers["ce_id"]] = headers
        if len(found) == len(ids) or time.monotonic() > deadline:
            return found


async def test_referrals_take_the_shared_rules_and_refused_values_dead_letter_saying_why(
    service_with_consumer: RunningService, kafka_bootstrap_servers: str
) -> None:
    passport = unique_passport(13)  # 6-12 here before: dead-lettered; 5-15 everywhere now
    landline_cpp = f"{_rng.randint(100_000_000, 999_999_999)}"
    cpp = DocumentType.CPP

    bad_ubigeo = referral(IdentityDocument(type=cpp, number=f"{_rng.randint(100_000_000, 999_999_999)}"))
    bad_ubigeo_data = bad_ubigeo.model_dump(mode="json") | {"attention_point_ubigeo": "090708"}
    bad_phone = referral(IdentityDocument(type=cpp, number=f"{_rng.randint(100_000_000, 999_999_999)}"))
    bad_phone_data = bad_phone.model_dump(mode="json")
    bad_phone_data["person"]["contact"]["phone"] = "+5198765432"
    nul_name = referral(IdentityDocument(type=cpp, number=f"{_rng.randint(100_000_000, 999_999_999)}"))
    nul_name_data = nul_name.model_dump(mode="json")
    nul_name_data["person"]["given_names"] = "Ana\u0000Maria"
    refugee = referral(IdentityDocument(type=DocumentType.REFUGEE_APPLICANT, number="SR-2024-0042"))

    refused = await send(
        kafka_bootstrap_servers,
        (bad_ubigeo, bad_ubigeo_data),
        (bad_phone, bad_phone_data),
        (nul_name, nul_name_data),
        (refugee, None),
    )
    await send(
        kafka_bootstrap_servers,
        (referral(IdentityDocument(type=DocumentType.PASSPORT, number=passport)), None),
        (
            referral(
                IdentityDocument(type=cpp, number=landline_cpp),
                phone="014123456",
                consent=Consent(sms=True, whatsapp=True),
            ),
            None,
        ),
    )

    async with service_with_consumer.client("employment:read") as http:
        [seeker_] = await find(http, "PASSPORT", passport, timeout=30)
        assert seeker_["document"] == {"type": "PASSPORT", "number": passport}
        assert seeker_["source"] == "migrant_referral"
        assert seeker_["contact"]["phone"] == "+51912345678"

        # SMS/WhatsApp consent for a landline: the person is registered, the channels recorded false.
        [landline] = await find(http, "CPP", landline_cpp, timeout=30)
        assert landline["contact"]["phone"] == "+5114123456"
        assert landline["contact"]["consent"] == {"sms": False, "email": False, "whatsapp": False}
        assert landline["consent_to_contact"] is True

    dead = await dead_letters(kafka_bootstrap_servers, refused)
    ubigeo, phone, name, document = (dead[i] for i in refused)
    assert ubigeo["dlq_reason"] == "payload.invalid"
    assert "attention_point_ubigeo='090708'" in ubigeo["dlq_detail"]
    assert UBIGEO_EXPECTED in ubigeo["dlq_detail"]
    assert phone["dlq_reason"] == "payload.invalid"
    assert "person.contact.phone=" in phone["dlq_detail"]
    assert "valid phone number" in phone["dlq_detail"]
    assert "+5198765432" not in phone["dlq_detail"]  # the value is masked
    assert name["dlq_reason"] == "payload.invalid"
    assert "person.given_names=" in name["dlq_detail"]
    assert "control characters" in name["dlq_detail"]
    assert document["dlq_reason"] == "handler.failed"
    assert (document["dlq_field"], document["dlq_value"]) == ("person.document.type", '"REFUGEE_APPLICANT"')
    assert document["dlq_expected"] == "one of DNI, CE, CPP, PTP, PASSPORT"


async def test_records_stored_in_removed_ubigeos_before_the_rule_move_to_the_codes_kept(
    service: RunningService,
) -> None:
    """Migration 0002 (docs/values.md, "Data stored before the rules"): job seekers, vacancies and
    job fairs in 090708/090712 move to 090709/090714 and read back without an error."""
    from importlib import resources

    async with service.client("employment:write", "employment:read") as http:
        seeker_id = (await http.post("/v1/job-seekers", json=seeker(ubigeo="090709"))).json()["seeker_id"]
        employer_ruc = unique_ruc()
        assert (
            await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Tayacaja SAC"})
        ).is_success
        created = await http.post("/v1/vacancies", json=vacancy(employer_ruc, ubigeo="090714"))
        assert created.status_code == 201, created.text
        vacancy_id = created.json()["vacancy_id"]
        async with service.runtime.pool.acquire() as conn:
            await conn.execute(
                "UPDATE job_seekers SET ubigeo = '090708' WHERE seeker_id = $1::uuid", seeker_id
            )
            await conn.execute(
                "UPDATE vacancies SET ubigeo = '090712' WHERE vacancy_id = $1::uuid", vacancy_id
            )
            migration = (
                resources.files("chasqui_employment_matching.migrations")
                .joinpath("0002_ubigeos_removed_from_the_inei_table.sql")
                .read_text(encoding="utf-8")
            )
            await conn.execute(migration)
            stored = await conn.fetchrow(
                "SELECT (SELECT ubigeo FROM job_seekers WHERE seeker_id = $1::uuid) AS seeker,"
                " (SELECT ubigeo FROM vacancies WHERE vacancy_id = $2::uuid) AS vacancy",
                seeker_id,
                vacancy_id,
            )
        assert (stored["seeker"], stored["vacancy"]) == ("090709", "090714")
        assert (await http.get(f"/v1/job-seekers/{seeker_id}")).status_code == 200
        assert (await http.get(f"/v1/vacancies/{vacancy_id}")).status_code == 200
