"""Acceptance: each event type produces the right message on the right channel, over real SMTP and
a real HTTP provider; refused channels are suppressed; statuses go out without contact data."""

from __future__ import annotations

import json
from typing import Any

from chasqui_common.topics import NOTIFICATIONS_DELIVERIES

from . import people
from .conftest import Mailbox, Provider, envelope, eventually, publish, read_keyed, statuses


async def test_each_event_type_reaches_the_consented_channels_with_its_template(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    migrant, elder, worker = people.person("mig"), people.person("per"), people.person("per")
    js = people.seeker(worker)
    expected = {
        (migrant.person_id, "migrants.appointment_scheduled"),
        (migrant.person_id, "migrants.appointment_cancelled"),
        (migrant.person_id, "migrants.document_expiring"),
        (elder.person_id, "eligibility.decision_gained"),
        (elder.person_id, "registry.ule_reclassification"),
        (worker.person_id, "employment.match_proposed"),
        (worker.person_id, "employment.placement_confirmed"),
    }
    async with notifications() as svc:
        await publish(
            kafka_bootstrap_servers,
            envelope(people.appointment(migrant, sms=True, email=True, whatsapp=False)),
            envelope(people.cancellation(migrant, sms=True, email=True, whatsapp=False)),
            envelope(people.expiring(migrant, sms=True, email=True, whatsapp=False)),
            envelope(people.household(elder, sms=True, email=True)),
            envelope(people.decision(elder, "PENSION_65")),
            envelope(people.decision(elder, "ULE_RECLASSIFICATION")),
            envelope(js),
            envelope(people.match(worker, js.seeker_id)),
            envelope(people.placement(worker, js.seeker_id)),
        )

        async def all_arrived() -> bool:
            mails = {
                (p.person_id, m["X-Chasqui-Template"])
                for p in (migrant, elder, worker)
                for m in mailbox.to(p.email)
            }
            sms = {
                (p.person_id, body["template"])
                for p in (migrant, elder, worker)
                for body in provider.to(p.phone, "/sms")
            }
            return mails == expected and sms == expected

        await eventually(all_arrived, what="one e-mail and one SMS per notice")

        mail = next(
            m
            for m in mailbox.to(migrant.email)
            if m["X-Chasqui-Template"] == "migrants.appointment_scheduled"
        )
        assert mail["Subject"] == "Tu cita en Migracentro Puruchuco-Ate el 10/06/2025"
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert "Hola Yusmely:" in text
        assert "martes 10 de junio de 2025 a las 09:00" in text
        assert "<strong>orientación laboral</strong>" in html
        sms = next(b for b in provider.to(elder.phone) if b["template"] == "eligibility.decision_gained")
        assert sms["text"] == (
            "Chasqui: Hola Yusmely, calificas para Pension 65: S/ 350.00 cada dos meses. "
            "El programa te dira como recibirlo. Nunca pedimos pagos."
        )
        assert sms["encoding"] == "GSM-7"
        assert sms["segments"] == [sms["text"]]
        headers = next(h for _, h, body in provider.requests if body is sms)
        assert headers["authorization"] == "Bearer sms-secret"
        assert headers["idempotency-key"] == sms["reference"]

        # No WhatsApp consent: recorded as suppressed, nothing sent.
        rows = await svc.runtime.pool.fetch(
            "SELECT status, reason FROM deliveries WHERE person_id = $1 AND channel = 'whatsapp'",
            migrant.person_id,
        )
        assert [(r["status"], r["reason"]) for r in rows] == [
            ("suppressed_consent", "no consent for whatsapp")
        ] * 3
        assert provider.to(migrant.phone, "/whatsapp") == []
        ours = {
            str(r["delivery_id"])
            for r in await svc.runtime.pool.fetch(
                "SELECT delivery_id FROM deliveries WHERE person_id = $1", migrant.person_id
            )
        }

    wanted = {
        ("email", "migrants.appointment_scheduled", "queued"),
        ("email", "migrants.appointment_scheduled", "sent"),
        ("sms", "migrants.document_expiring", "sent"),
        ("whatsapp", "migrants.appointment_cancelled", "suppressed_consent"),
    }
    # Another notifications instance (e.g. the local platform) may see the same events: keep ours.
    keyed = await read_keyed(
        kafka_bootstrap_servers, NOTIFICATIONS_DELIVERIES.name, migrant.person_id, count=15
    )
    mine = [e for e in keyed if e["delivery_id"] in ours]
    seen = {(e["channel"], e["template"], e["status"]) for e in mine}
    assert wanted <= seen
    assert len(mine) == 15  # 6 queued + 6 sent (e-mail, SMS) + 3 suppressed (WhatsApp)
    for event in mine:  # the topic is not personal data
        flat = json.dumps(event)
        assert migrant.phone not in flat
        assert migrant.email not in flat
        assert "Yusmely" not in flat


async def test_vacancy_messages_respect_the_consent_to_be_contacted_about_vacancies(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    worker = people.person("per")
    js = people.seeker(worker, consent_to_contact=False)
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(js), envelope(people.match(worker, js.seeker_id)))

        async def recorded() -> bool:
            return await statuses(svc, worker.person_id) == {
                "email": "suppressed_consent",
                "sms": "suppressed_consent",
                "whatsapp": "suppressed_consent",
            }

        await eventually(recorded, what="the match suppressed on every channel")
        assert provider.to(worker.phone) == []
