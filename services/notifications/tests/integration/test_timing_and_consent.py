"""Acceptance: quiet hours with a moved clock; consent withdrawn through the API takes effect at once."""

from __future__ import annotations

from typing import Any

from . import people
from .conftest import FakeClock, Mailbox, Provider, envelope, eventually, lima, publish, statuses


async def test_sms_and_whatsapp_at_night_wait_until_8_in_lima_while_email_goes_at_once(
    notifications: Any, clock: FakeClock, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    clock.set(lima(3, 22, 30))
    p = people.person()
    async with notifications() as svc:
        await publish(
            kafka_bootstrap_servers, envelope(people.appointment(p, sms=True, email=True, whatsapp=True))
        )

        async def email_sent_phone_deferred() -> bool:
            return await statuses(svc, p.person_id) == {
                "email": "sent",
                "sms": "deferred_quiet_hours",
                "whatsapp": "deferred_quiet_hours",
            }

        await eventually(email_sent_phone_deferred, what="e-mail sent, SMS and WhatsApp deferred")
        assert len(mailbox.to(p.email)) == 1
        not_before = await svc.runtime.pool.fetchval(
            "SELECT not_before FROM deliveries WHERE person_id = $1 AND channel = 'sms'", p.person_id
        )
        assert not_before == lima(4, 8)
        assert provider.to(p.phone) == []

        clock.set(lima(4, 7, 59))
        await svc.runtime.dispatcher.dispatch_once()
        assert provider.to(p.phone) == []

        clock.set(lima(4, 8, 0))

        async def delivered() -> bool:
            return await statuses(svc, p.person_id) == {"email": "sent", "sms": "sent", "whatsapp": "sent"}

        await eventually(delivered, what="SMS and WhatsApp sent at 08:00")
        assert len(provider.to(p.phone, "/sms")) == 1
        assert len(provider.to(p.phone, "/whatsapp")) == 1


async def test_withdrawn_consent_suppresses_waiting_and_later_messages(
    notifications: Any, clock: FakeClock, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    clock.set(lima(3, 23))
    p = people.person()
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.expiring(p, sms=True, email=True)))

        async def deferred() -> bool:
            return (await statuses(svc, p.person_id)).get("sms") == "deferred_quiet_hours"

        await eventually(deferred, what="the SMS deferred to the morning")

        async with svc.client("notifications:write") as http:
            answer = await http.put(
                f"/v1/persons/{p.person_id}/preferences", json={"consent": {"sms": False, "email": False}}
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["suppressed"] == 1
        assert answer.json()["consent"]["sms"]["granted"] is False

        # A later event repeating the old upstream consent does not undo the person's choice.
        await publish(kafka_bootstrap_servers, envelope(people.cancellation(p, sms=True, email=True)))
        clock.set(lima(4, 9))

        async def all_suppressed() -> bool:
            rows = await svc.runtime.pool.fetch(
                "SELECT template, channel, status FROM deliveries WHERE person_id = $1", p.person_id
            )
            return {(r["template"], r["channel"], r["status"]) for r in rows} == {
                ("migrants.document_expiring", "email", "sent"),
                ("migrants.document_expiring", "sms", "suppressed_consent"),
                ("migrants.appointment_cancelled", "email", "suppressed_consent"),
                ("migrants.appointment_cancelled", "sms", "suppressed_consent"),
                ("migrants.document_expiring", "whatsapp", "suppressed_consent"),
                ("migrants.appointment_cancelled", "whatsapp", "suppressed_consent"),
            }

        await eventually(all_suppressed, what="everything after the withdrawal suppressed")
        await svc.runtime.dispatcher.dispatch_once()
        assert provider.to(p.phone) == []
        assert [m["X-Chasqui-Template"] for m in mailbox.to(p.email)] == ["migrants.document_expiring"]
