"""Citizen-attention's events reach people through notifications (issue 15, point 8), on the real
broker and database: a referral accepted is told to the person on the channels their contact card
consents to; a missed referral deadline reaches the receiving office's head, whose card comes from
`office-head.designated` (the municipality's data file), even when the deadline comes first."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from chasqui_common.events import citizen_attention as attention

from . import people
from .conftest import FakeClock, Mailbox, Provider, envelope, eventually, lima, publish, statuses

VES = "150142"


async def _service(notifications: Any, bootstrap: str) -> Any:
    """The service; the fixture starts all its groups (the attention one too) at their topics' end."""
    return notifications()


def _accepted(
    recipient: str | None, *, office: str = "OMAPED", confidential: bool = False
) -> attention.ReferralAccepted:
    return attention.ReferralAccepted(
        referral_id=str(uuid.uuid4()),
        municipality=VES,
        to_office=office,
        confidential=confidential,
        citizen_id=None if confidential else str(uuid.uuid4()),
        accepted_at=datetime(2025, 6, 3, 15, 0, tzinfo=UTC),
        recipient_person_id=recipient,
    )


async def test_a_referral_accepted_is_told_only_on_the_channels_the_person_consented_to(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    citizen = people.person("per")
    accepted = envelope(_accepted(citizen.person_id), "/chasqui/citizen-attention")
    demuna = envelope(_accepted(None, office="DEMUNA", confidential=True), "/chasqui/citizen-attention")
    async with await _service(notifications, kafka_bootstrap_servers) as svc:
        # The registry brings the card: e-mail consented, SMS and WhatsApp not.
        await publish(kafka_bootstrap_servers, envelope(people.household(citizen, sms=False, email=True)))
        await publish(kafka_bootstrap_servers, accepted, demuna)

        async def told() -> bool:
            expected = {"email": "sent", "sms": "suppressed_consent", "whatsapp": "suppressed_consent"}
            return await statuses(svc, citizen.person_id) == expected

        await eventually(told, what="e-mail sent, SMS and WhatsApp suppressed by the card's consent")
        [mail] = mailbox.to(citizen.email)
        assert mail["X-Chasqui-Template"] == "attention.referral_accepted"
        assert mail["Subject"] == "La OMAPED aceptó tu derivación"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "Hola Yusmely" in body
        assert "La OMAPED (Oficina Municipal de Atención a la Persona con Discapacidad) aceptó" in body
        assert provider.to(citizen.phone) == []

        async def demuna_consumed() -> bool:
            return bool(
                await svc.runtime.pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", demuna.id)
            )

        await eventually(demuna_consumed, what="the DEMUNA referral consumed")
        assert not await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM deliveries WHERE event_id = $1", demuna.id
        ), "a DEMUNA referral names nobody: nobody is told"


async def test_a_missed_referral_deadline_reaches_the_office_head_even_before_their_card(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    head_id = f"office-head-{VES}-ULE-{uuid.uuid4().hex[:6]}"
    mailbox_address = f"jefatura.ule.{uuid.uuid4().hex[:6]}@munives.gob.pe"
    missed = envelope(
        attention.ReferralDeadlineMissed(
            referral_id=str(uuid.uuid4()),
            municipality=VES,
            to_office="ULE",
            confidential=False,
            citizen_id=str(uuid.uuid4()),
            from_office="CIAM",
            due_on=date(2025, 6, 2),
            status="pending",
            office_head_id=head_id,
        ),
        "/chasqui/citizen-attention",
    )
    designated = envelope(
        attention.OfficeHeadDesignated(
            office_head_id=head_id,
            municipality=VES,
            office="ULE",
            role="Jefatura de la ULE",
            email=mailbox_address,
            phone="+51987650000",
            channels=("email",),
        ),
        "/chasqui/citizen-attention",
    )
    async with await _service(notifications, kafka_bootstrap_servers) as svc:
        await publish(kafka_bootstrap_servers, missed)

        async def waiting() -> bool:
            return bool(
                await svc.runtime.pool.fetchval(
                    "SELECT count(*) FROM awaiting_contact WHERE person_id = $1 AND event_id = $2",
                    head_id,
                    missed.id,
                )
            )

        await eventually(waiting, what="the notice waiting for the head's card")
        await publish(kafka_bootstrap_servers, designated)

        async def told() -> bool:
            expected = {"email": "sent", "sms": "suppressed_consent", "whatsapp": "suppressed_consent"}
            return await statuses(svc, head_id) == expected

        await eventually(told, what="the head told by e-mail, the channel the municipality designated")
        [mail] = mailbox.to(mailbox_address)
        assert mail["X-Chasqui-Template"] == "attention.referral_deadline_missed"
        assert mail["Subject"] == "Derivación vencida en la ULE (plazo 02/06/2025)"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "Hola Jefatura de la ULE" in body
        assert "desde el CIAM venció el" in body
        assert "sigue pendiente" in body
        assert provider.to("+51987650000") == []


async def test_an_s100_message_at_night_keeps_quiet_hours_on_the_phone(
    notifications: Any, clock: FakeClock, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    clock.set(lima(3, 22, 30))
    applicant = people.person("per")
    visited = attention.HomeVisitRecorded(
        request_id=str(uuid.uuid4()),
        municipality=VES,
        household_id=str(uuid.uuid4()),
        visited_on=date(2025, 6, 3),
        on_time=True,
        result_due_on=date(2025, 7, 8),
        recipient_person_id=applicant.person_id,
    )
    async with await _service(notifications, kafka_bootstrap_servers) as svc:
        await publish(kafka_bootstrap_servers, envelope(people.household(applicant, sms=True, email=True)))
        await publish(kafka_bootstrap_servers, envelope(visited, "/chasqui/citizen-attention"))

        async def email_sent_sms_deferred() -> bool:
            return await statuses(svc, applicant.person_id) == {
                "email": "sent",
                "sms": "deferred_quiet_hours",
                "whatsapp": "suppressed_consent",
            }

        await eventually(email_sent_sms_deferred, what="e-mail sent, SMS deferred to the morning")
        not_before = await svc.runtime.pool.fetchval(
            "SELECT not_before FROM deliveries WHERE person_id = $1 AND channel = 'sms'", applicant.person_id
        )
        assert not_before == lima(4, 8)
        [mail] = mailbox.to(applicant.email)
        assert mail["X-Chasqui-Template"] == "attention.home_visit_recorded"
        assert "08/07/2025" in mail["Subject"]
        assert provider.to(applicant.phone) == []
