"""Issue 13 at every entry point of the service: strict values in events (a refused value is
dead-lettered with the field, the masked value and the expectation, and nothing is sent), SMS and
WhatsApp to mobile numbers only, consent that a move between households never re-grants, and
control characters in parameters and bodies refused with 422 naming the field."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from chasqui_common.envelope import decode_headers
from chasqui_common.events.catalogue import CATALOGUE
from chasqui_common.messaging.deadletter import dead_letter_topic
from chasqui_testing import collect_records

from . import people
from .conftest import Provider, envelope, eventually, publish, statuses

NOT_PERUVIAN = "+5198765432"  # 8 digits after 51: no Peruvian number has that length
LANDLINE = "+5114123456"  # Lima, fixed line


async def dead_letters_about(bootstrap: str, topic: str, needle: str, timeout: float = 30.0) -> list[Any]:
    """The records of `topic`'s dead-letter topic whose original value mentions `needle`."""
    deadline = time.monotonic() + timeout
    while True:
        records = await collect_records(bootstrap, dead_letter_topic(topic), count=10**9, timeout=1.5)
        found = [r for r in records if r.value is not None and needle.encode() in r.value]
        if found or time.monotonic() > deadline:
            return found


async def test_an_event_with_a_phone_that_is_not_peruvian_is_dead_lettered_and_no_sms_is_sent(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    good = envelope(people.appointment(p, sms=True, email=True, whatsapp=True))
    data = json.loads(good.body())
    data["contact"]["phone"] = NOT_PERUVIAN
    bad = good.model_copy(update={"id": uuid.uuid4(), "data": data})
    spec = CATALOGUE.get(bad.type)
    assert spec is not None
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, bad)
        letters = await dead_letters_about(kafka_bootstrap_servers, spec.topic.name, p.person_id)
        # Other consumers of the shared topic (a running platform) may dead-letter it as well.
        name = svc.runtime.consumers[0].consumer.name
        ours = [h for h in (decode_headers(r.headers) for r in letters) if h["dlq_consumer"] == name]
        assert len(ours) == 1
        headers = ours[0]
        assert headers["dlq_reason"] == "payload.invalid"
        detail = headers["dlq_detail"]
        assert "contact.phone=" in detail  # the field, named
        assert "a valid phone number" in detail  # what was expected
        assert NOT_PERUVIAN not in detail  # the value is shown masked only

        # The partition goes on: the same person with a valid number is served.
        await publish(kafka_bootstrap_servers, good)

        async def served() -> bool:
            return (await statuses(svc, p.person_id)).get("sms") == "sent"

        await eventually(served, what="the valid event after the dead letter handled")
        sent_to = {
            row["phone"]
            for row in await svc.runtime.pool.fetch(
                "SELECT phone FROM contacts WHERE person_id = $1", p.person_id
            )
        }
        assert sent_to == {p.phone}
    assert provider.to(NOT_PERUVIAN) == []
    assert len(provider.to(p.phone, "/sms")) == 1


async def test_sms_consent_on_a_landline_records_the_sms_suppressed_with_the_reason(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.Person(f"mig-{uuid.uuid4().hex[:12]}", LANDLINE, f"{uuid.uuid4().hex[:12]}@correo.pe")
    async with notifications() as svc:
        await publish(
            kafka_bootstrap_servers, envelope(people.appointment(p, sms=True, email=True, whatsapp=True))
        )

        async def settled() -> bool:
            return await statuses(svc, p.person_id) == {
                "email": "sent",
                "sms": "suppressed_consent",
                "whatsapp": "suppressed_consent",
            }

        await eventually(settled, what="e-mail sent, SMS and WhatsApp to the landline suppressed")
        reasons = {
            row["channel"]: row["reason"]
            for row in await svc.runtime.pool.fetch(
                "SELECT channel, reason FROM deliveries WHERE person_id = $1", p.person_id
            )
        }
        assert reasons["sms"] == "the phone on file is not a mobile number: sms cannot reach it"
        assert reasons["whatsapp"] == "the phone on file is not a mobile number: whatsapp cannot reach it"
        await svc.runtime.dispatcher.dispatch_once()
        async with svc.client("notifications:read") as http:
            prefs = (await http.get(f"/v1/persons/{p.person_id}/preferences")).json()
    assert prefs["consent"]["sms"]["granted"] is True  # kept as given...
    assert prefs["reachable_by"] == ["email"]  # ...but no SMS or WhatsApp reaches a landline
    assert provider.to(LANDLINE) == []


async def test_a_move_to_another_household_never_re_grants_a_withdrawn_consent(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    elder = people.person("per")  # known to the registry, withdraws here, then moves
    early = people.person("per")  # withdraws here before any registry event named him, then moves
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.household(elder, sms=True, email=True)))

        async def known() -> bool:
            return bool(
                await svc.runtime.pool.fetchval(
                    "SELECT phone IS NOT NULL FROM contacts WHERE person_id = $1", elder.person_id
                )
            )

        await eventually(known, what="the elder's contact card")
        async with svc.client("notifications:write") as http:
            for who in (elder, early):
                answer = await http.put(
                    f"/v1/persons/{who.person_id}/preferences", json={"consent": {"sms": False}}
                )
                assert answer.status_code == 200, answer.text

        # Both move in with a son: the registry keeps their person_id and repeats `sms: true`.
        await publish(
            kafka_bootstrap_servers,
            envelope(people.moved_in(elder, sms=True, email=True)),
            envelope(people.moved_in(early, sms=True, email=True)),
        )

        async def moved() -> bool:
            phones = await svc.runtime.pool.fetchval(
                "SELECT count(*) FROM contacts WHERE person_id = ANY($1::text[]) AND phone IS NOT NULL",
                [elder.person_id, early.person_id],
            )
            return bool(phones == 2)

        await eventually(moved, what="both member.added events applied")
        async with svc.client("notifications:read") as http:
            for who in (elder, early):
                prefs = (await http.get(f"/v1/persons/{who.person_id}/preferences")).json()
                assert prefs["consent"]["sms"]["granted"] is False, who
                assert prefs["consent"]["email"]["granted"] is True, who

        # A later message goes by e-mail only.
        await publish(
            kafka_bootstrap_servers,
            envelope(people.decision(elder, "PENSION_65")),
            envelope(people.decision(early, "PENSION_65")),
        )

        async def told() -> bool:
            expected = {"email": "sent", "sms": "suppressed_consent", "whatsapp": "suppressed_consent"}
            return [await statuses(svc, who.person_id) for who in (elder, early)] == [expected, expected]

        await eventually(told, what="e-mail sent, SMS suppressed for both")
        await svc.runtime.dispatcher.dispatch_once()
    assert provider.to(elder.phone) == []
    assert provider.to(early.phone) == []


async def test_control_characters_in_parameters_and_bodies_are_refused_naming_the_field(
    notifications: Any,
) -> None:
    async with notifications() as svc, svc.client("notifications:read", "notifications:write") as http:
        history = await http.get("/v1/notifications", params={"person_id": "Ana\u0000Maria"})
        c1 = await http.get("/v1/notifications", params={"person_id": "Ana\u0085Maria"})
        path = await http.get("/v1/persons/Ana%00Maria/preferences")
        language = await http.put("/v1/persons/per-values/preferences", json={"language": "es\u0000"})
        tab = await http.put("/v1/persons/per-values/preferences", json={"language": "e\ts"})
    for answer, field in (
        (history, "query.person_id"),
        (c1, "query.person_id"),
        (path, "path.person_id"),
        (language, "language"),
        (tab, "language"),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text
