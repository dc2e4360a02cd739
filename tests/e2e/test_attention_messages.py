"""Citizen attention's messages travel the platform (issue 15, points 4 and 8), on the real broker
and database: citizen-attention and notifications run each on its own schema and meet only on
Kafka. A person the registry knows (their contact and consent come to notifications from the
registry's event, never from citizen-attention) is referred from the CIAM to the OMAPED; the
OMAPED accepts and the person is told on the one channel they consented to; the referral then
misses its deadline and the OMAPED's head, named in Villa El Salvador's data file, is told.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.clock import LIMA, FixedClock
from chasqui_common.events.catalogue import CATALOGUE
from chasqui_common.events.registry import (
    Consent,
    Contact,
    DocumentType,
    Household,
    HouseholdRegistered,
    IdentityDocument,
    Member,
    Relationship,
    Sex,
)
from chasqui_common.messaging.outbox import Outbox
from chasqui_testing import RunningService
from chasqui_testing.together import ServicePlan, services_together, until

attention = pytest.importorskip("chasqui_citizen_attention.main")
attention_settings = pytest.importorskip("chasqui_citizen_attention.settings")
notifications = pytest.importorskip("chasqui_notifications.main")

# Slow: the same two paths are tested per service in the default run (notifications'
# tests/integration/test_attention_messages.py, citizen-attention's referral deadline tests); this
# is the two services together, in `make test-all`.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300), pytest.mark.asyncio(loop_scope="session")]

VES = "150142"
START = datetime(2026, 3, 9, 10, 0, tzinfo=LIMA)  # a Monday, 10:00 in Lima: not in quiet hours
OMAPED_HEAD = f"office-head-{VES}-OMAPED"


class MovingClock:
    """Notifications' clock: real speed from a Lima working morning, so quiet hours never hold the
    messages back whatever the hour the test runs at, and its retries still come due."""

    def __init__(self, start: datetime) -> None:
        self._start, self._at = start, time.monotonic()

    def now(self) -> datetime:
        return (self._start + timedelta(seconds=time.monotonic() - self._at)).astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(LIMA).date()


def _plan(clock: FixedClock) -> list[ServicePlan]:
    return [
        (
            "notifications",
            notifications.build_definition(),
            {"settings_class": notifications.NotificationsSettings, "clock": MovingClock(START)},
        ),
        (
            "citizen-attention",
            attention.build_definition(),
            {
                "settings_class": attention_settings.AttentionSettings,
                "referral_watch_interval_seconds": 0.3,
                "clock": clock,
            },
        ),
    ]


async def _registered(bootstrap: str, number: str) -> tuple[str, HouseholdRegistered]:
    """The registry's event of a household whose head consented to e-mail only."""
    person_id = str(uuid.uuid4())
    household_id = str(uuid.uuid4())
    event = HouseholdRegistered(
        household_id=household_id,
        household=Household(
            household_id=household_id,
            ubigeo=VES,
            address="Sector 2, Grupo 5, Mz. K Lt. 3, Villa El Salvador",
            residence_since=date(2012, 7, 1),
            registering_unit="ULE-150142",
            members=(
                Member(
                    person_id=person_id,
                    document=IdentityDocument(type=DocumentType.DNI, number=number),
                    given_names="Rosa",
                    paternal_surname="Quispe",
                    birth_date=date(1950, 3, 14),
                    sex=Sex.FEMALE,
                    relationship=Relationship.HEAD,
                    contact=Contact(
                        phone="+51987001122",
                        email=f"rosa.{number}@correo.pe",
                        consent=Consent(sms=False, email=True, whatsapp=False),
                    ),
                ),
            ),
        ),
    )
    envelope = Outbox("/chasqui/registry").envelope(event)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            CATALOGUE.spec_for(event).topic.name,
            envelope.body(),
            key=household_id.encode(),
            headers=[(k, v.encode()) for k, v in envelope.headers().items()],
        )
    finally:
        await producer.stop()
    return person_id, event


async def _deliveries(service: RunningService, person_id: str) -> dict[tuple[str, str], str]:
    rows = await service.runtime.pool.fetch(
        "SELECT template, channel, status FROM deliveries WHERE person_id = $1", person_id
    )
    return {(row["template"], row["channel"]): row["status"] for row in rows}


async def test_a_referral_accepted_tells_the_person_by_consent_and_its_missed_deadline_tells_the_office_head(
    postgres_admin_dsn: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    clock = FixedClock(START)
    number = f"{uuid.uuid4().int % 10**8:08d}"
    async with services_together(
        postgres_admin_dsn, kafka_bootstrap_servers, tmp_path / "auth", _plan(clock)
    ) as together:
        services = together.services
        ca, notices = services["citizen-attention"], services["notifications"]
        person_id, _ = await _registered(kafka_bootstrap_servers, number)
        async with ca.client("attention:read", "attention:write") as http:

            async def known() -> str | None:
                found = await http.get(
                    "/v1/citizens", params={"document_type": "DNI", "document_number": number}
                )
                return str(found.json()["citizen_id"]) if found.status_code == 200 else None

            citizen_id = await until("the registry's person in citizen-attention", known)

            async def loaded() -> bool:
                return (await http.get(f"/v1/municipalities/{VES}")).status_code == 200

            await until("Villa El Salvador's data file loaded", loaded)
            referral = await http.post(
                "/v1/referrals",
                json={
                    "municipality": VES,
                    "from_office": "CIAM",
                    "to_office": "OMAPED",
                    "citizen_id": citizen_id,
                    "staff": "ciam-recepcion-1",
                    "due_in_working_days": 1,
                },
            )
            assert referral.status_code == 201, referral.text
            referral_id = referral.json()["referral_id"]
            accepted = await http.post(f"/v1/referrals/{referral_id}/accept", json={"staff": "omaped-1"})
            assert accepted.status_code == 200, accepted.text

            async def told_on_consent() -> dict[tuple[str, str], str] | None:
                found = await _deliveries(notices, person_id)
                return (
                    found
                    if len(found) == 3 and found[("attention.referral_accepted", "email")] == "sent"
                    else None
                )

            assert await until("the person told of the accepted referral", told_on_consent) == {
                ("attention.referral_accepted", "email"): "sent",
                ("attention.referral_accepted", "sms"): "suppressed_consent",
                ("attention.referral_accepted", "whatsapp"): "suppressed_consent",
            }

            clock.advance(timedelta(days=3))  # Thursday: the deadline (Tuesday) has passed

            async def missed() -> bool:
                found = await http.get(f"/v1/referrals/{referral_id}")
                return bool(found.json().get("deadline_missed_at"))

            await until("the referral flagged as missed", missed)

        async def head_told() -> dict[tuple[str, str], str] | None:
            found = await _deliveries(notices, OMAPED_HEAD)
            return found if found.get(("attention.referral_deadline_missed", "email")) == "sent" else None

        told = await until("the OMAPED's head told of the missed deadline", head_told)
        # Villa El Salvador's file gives its heads a mailbox only: e-mail is the one channel.
        assert told == {("attention.referral_deadline_missed", "email"): "sent"}
        body = await notices.runtime.pool.fetchval(
            "SELECT body_text FROM deliveries WHERE person_id = $1 AND channel = 'email'", OMAPED_HEAD
        )
        assert "Hola Jefatura de la OMAPED" in body
        assert "desde el CIAM venció el" in body
        # the head is told of the referral, not of the person
        assert number not in body
        assert "Rosa" not in body
