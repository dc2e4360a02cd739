"""The citizen-attention service on a fresh schema of the real Postgres and the real Kafka broker,
its clock fixed (Monday 9 March 2026, 10:00 in Lima) so working-day deadlines are known, and a
second municipality added by a data file of the test's own."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from chasqui_citizen_attention.main import build_definition
from chasqui_citizen_attention.settings import AttentionSettings
from chasqui_common.clock import LIMA, FixedClock
from chasqui_common.envelope import Envelope
from chasqui_common.events.catalogue import CATALOGUE, EventPayload
from chasqui_common.events.registry import (
    Classification,
    CseLevel,
    Disability,
    DisabilitySeverity,
    Household,
    Member,
    Relationship,
    Sex,
)
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.values import DocumentType, IdentityDocument
from chasqui_testing import RunningService, collect_records, running_service
from chasqui_testing.consumer_groups import pin_groups_at_end

VES = "150142"
VMT = "150143"  # Villa María del Triunfo: the test's own data file
START = datetime(2026, 3, 9, 10, 0, tzinfo=LIMA)  # Monday
READ = "attention:read"
WRITE = "attention:write"
DEMUNA = "attention:demuna"

SECOND_MUNICIPALITY = """
ubigeo: "150143"
name: Municipalidad Distrital de Villa María del Triunfo
offices:
  - office: ULE
    name: Unidad Local de Empadronamiento
    procedures:
      - {code: S100, name: Solicitud de CSE, steps: [registro_s100, visita_domiciliaria_fsu, entrega_resultado], deadline_working_days: 33}
  - office: CIAM
    name: CIAM
    procedures:
      - {code: inscripcion, name: Inscripción, steps: [recepcion, inscripcion], deadline_working_days: 4}
non_working_days:
  - {day: "2026-03-10", reason: Día no laborable municipal}
sectors:
  - {code: JCM, name: José Carlos Mariátegui}
"""


@dataclass
class Attention:
    service: RunningService
    clock: FixedClock
    bootstrap: str

    def client(self, *scopes: str) -> httpx.AsyncClient:
        return self.service.client(*scopes)

    async def post(self, path: str, body: dict[str, Any], *scopes: str) -> httpx.Response:
        async with self.client(*(scopes or (READ, WRITE))) as c:
            return await c.post(path, json=body)

    async def get(self, path: str, *scopes: str, **params: Any) -> httpx.Response:
        async with self.client(*(scopes or (READ,))) as c:
            return await c.get(path, params=params)

    async def counter_citizen(self, number: str | None = None, name: str = "Rosa") -> str:
        number = number or str(uuid.uuid4().int)[:8]
        r = await self.post(
            "/v1/citizens", {"document": {"type": "DNI", "number": number}, "given_names": name}
        )
        assert r.status_code == 201, r.text
        return str(r.json()["citizen_id"])

    async def until(self, check: Callable[[], Awaitable[Any]], timeout: float = 180.0) -> Any:
        """Poll `check` until it returns something truthy (a fresh consumer group reads the shared
        topics from their beginning: other runs' events come first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := await check():
                return found
            await asyncio.sleep(0.3)
        raise AssertionError(f"not true within {timeout}s")

    async def events(self, topic: str, subject: str, count: int = 1) -> list[dict[str, Any]]:
        """The CloudEvents keyed `subject` on `topic` ({"type", "data"}), once at least `count` arrived."""
        deadline = time.monotonic() + 40
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            records = await collect_records(self.bootstrap, topic, count=1_000_000, timeout=1.5)
            found = [
                {"type": {k: v.decode() for k, v in r.headers}["ce_type"], "data": json.loads(r.value)}
                for r in records
                if r.key is not None and r.key.decode() == subject
            ]
            if len(found) >= count:
                return found
        raise AssertionError(f"{count} events of {subject} on {topic} not seen; saw {found}")


async def publish(bootstrap: str, source: str, *payloads: EventPayload) -> None:
    """Publish events as their owning service would (CloudEvents binary mode, keyed by subject)."""
    outbox = Outbox(source)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for payload in payloads:
            env: Envelope = outbox.envelope(payload)
            await producer.send_and_wait(
                CATALOGUE.spec_for(payload).topic.name,
                env.body(),
                key=env.subject.encode() if env.subject else None,
                headers=[(k, v.encode()) for k, v in env.headers().items()],
            )
    finally:
        await producer.stop()


def household(
    *members: Member,
    ubigeo: str = VES,
    level: CseLevel | None = CseLevel.POBRE,
    household_id: str | None = None,
) -> Household:
    return Household(
        household_id=household_id or f"H-{uuid.uuid4().hex[:10]}",
        ubigeo=ubigeo,
        address="Av. Revolución 123, Sector 3",
        residence_since=date(2015, 1, 1),
        registering_unit=f"ULE-{ubigeo}",
        classification=Classification(
            level=level, valid_from=date(2025, 1, 1), valid_until=date(2028, 12, 31), source="SISFOH"
        )
        if level
        else None,
        members=members,
    )


def member(
    number: str,
    given_names: str,
    birth_date: date,
    *,
    relationship: Relationship = Relationship.HEAD,
    disability: DisabilitySeverity = DisabilitySeverity.NONE,
) -> Member:
    return Member(
        person_id=f"P-{uuid.uuid4().hex[:10]}",
        document=IdentityDocument(type=DocumentType.DNI, number=number),
        given_names=given_names,
        paternal_surname="Quispe",
        maternal_surname="Huamán",
        birth_date=birth_date,
        sex=Sex.FEMALE,
        relationship=relationship,
        disability=Disability(severity=disability, certified=disability is not DisabilitySeverity.NONE),
    )


def dni() -> str:
    return f"{uuid.uuid4().int % 10**8:08d}"


@pytest_asyncio.fixture(loop_scope="session")
async def attention(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> AsyncIterator[Attention]:
    data_dir = tmp_path / "municipalities"
    data_dir.mkdir()
    (data_dir / "150143-villa-maria-del-triunfo.yaml").write_text(SECOND_MUNICIPALITY, encoding="utf-8")
    clock = FixedClock(START)
    definition = build_definition(consumer_name=f"citizen-attention-{service_db.schema}")
    # The service's groups start at the end of the shared topics: eligibility.decisions (the
    # worklists' consumer) holds every earlier run's decisions, tens of thousands of them.
    await pin_groups_at_end(definition, kafka_bootstrap_servers, f"-{service_db.schema}")
    async with running_service(
        definition,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        clock=clock,
        settings_class=AttentionSettings,
        municipal_data_dirs=[str(data_dir)],
        referral_watch_interval_seconds=0.3,
    ) as svc:
        a = Attention(svc, clock, kafka_bootstrap_servers)

        async def loaded() -> bool:
            return (await a.get(f"/v1/municipalities/{VMT}")).status_code == 200

        await a.until(loaded)
        yield a
