"""A referral from the migrants service, on the real broker, becomes a job seeker when consent is present."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from chasqui_common.events.migrants import EmploymentProfile, MigrantIdentity, ReferralIssued, ReferralTarget
from chasqui_common.events.registry import Consent, Contact, DocumentType, IdentityDocument
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import MIGRANT_SERVICES_CASES
from chasqui_testing import RunningService

from .payloads import _rng


def referral(
    cpp: str, *, consent: bool, target: ReferralTarget = ReferralTarget.EMPLOYMENT
) -> ReferralIssued:
    return ReferralIssued(
        referral_id=str(uuid.uuid4()),
        case_id=str(uuid.uuid4()),
        migrant_id=str(uuid.uuid4()),
        target=target,
        attention_point="MC-LIMA-SJB",
        attention_point_ubigeo="150130",
        issued_at=datetime.now(UTC),
        person=MigrantIdentity(
            migrant_id="ignored-here",
            document=IdentityDocument(type=DocumentType.CPP, number=cpp),
            given_names="María José",
            paternal_surname="Rodríguez",
            birth_date="1990-05-01",  # type: ignore[arg-type]
            nationality="VEN",
            contact=Contact(phone="+51912345678", consent=Consent(whatsapp=consent)),
        ),
        employment=EmploymentProfile(
            occupations=("5120", "51"),
            skills=("Cocina", "Repostería"),
            education_level="university",
            years_of_experience=6,
        ),
    )


async def send(bootstrap: str, *events: ReferralIssued) -> None:
    outbox = Outbox("/chasqui/migrants")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            envelope = outbox.envelope(event)
            await producer.send_and_wait(
                MIGRANT_SERVICES_CASES.name,
                envelope.body(),
                key=event.case_id.encode(),
                headers=envelope.kafka_headers(),
            )
    finally:
        await producer.stop()


async def find(http, cpp: str, timeout: float) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    deadline = time.monotonic() + timeout
    while True:
        items: list[dict] = (
            await http.get("/v1/job-seekers", params={"document_type": "CPP", "document_number": cpp})
        ).json()["items"]  # type: ignore[type-arg]
        if items or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.25)


async def test_an_employment_referral_with_consent_becomes_a_job_seeker(
    service_with_consumer: RunningService, kafka_bootstrap_servers: str
) -> None:
    consented, refused, elsewhere = (f"{_rng.randint(100_000_000, 999_999_999)}" for _ in range(3))
    first = referral(consented, consent=True)
    await send(
        kafka_bootstrap_servers,
        referral(refused, consent=False),
        referral(elsewhere, consent=True, target=ReferralTarget.HEALTH),
        first,
    )
    async with service_with_consumer.client("employment:read") as http:
        [seeker] = await find(http, consented, timeout=30)
        assert seeker["source"] == "migrant_referral"
        assert seeker["referral_id"] == first.referral_id
        assert seeker["person_id"] == first.migrant_id
        assert seeker["occupations"] == ["5120"]  # the malformed code is dropped
        assert seeker["skills"] == ["cocina", "reposteria"]
        assert seeker["contact"]["consent"]["whatsapp"] is True
        # Sent before the first on the same connection; a short wait covers other partitions.
        assert await find(http, refused, timeout=2) == []
        assert await find(http, elsewhere, timeout=0) == []

        # A second referral for the same document updates the seeker instead of creating another.
        second = referral(consented, consent=True)
        await send(kafka_bootstrap_servers, second)
        deadline = time.monotonic() + 20
        while (await find(http, consented, timeout=0))[0]["referral_id"] != second.referral_id:
            assert time.monotonic() < deadline, "the second referral was not applied"
            await asyncio.sleep(0.25)
        [updated] = await find(http, consented, timeout=0)
        assert updated["seeker_id"] == seeker["seeker_id"]
