"""The migrants service running on a fresh schema of the real Postgres and the real Kafka broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from chasqui_common.topics import MIGRANT_SERVICES_CASES, MIGRANT_SERVICES_MIGRANTS
from chasqui_migrant_services.main import DEFINITION
from chasqui_migrant_services.settings import MigrantsSettings
from chasqui_testing import RunningService, collect_records, running_service


@pytest_asyncio.fixture(loop_scope="session")
async def service(service_db, kafka_bootstrap_servers: str, tmp_path: Path) -> AsyncIterator[RunningService]:  # type: ignore[no-untyped-def]
    async with running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        settings_class=MigrantsSettings,
        db_pool_max=25,
        expiry_watch_interval_seconds=0,  # tests sweep on demand; one test runs the background watch
    ) as svc:
        yield svc


def unique_number(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


def migrant_body(point: str = "ICA", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attention_point": point,
        "documents": [
            {
                "type": "CPP",
                "number": unique_number("C"),
                "expires_on": (date.today() + timedelta(days=300)).isoformat(),
            },
            {"type": "PASSPORT", "number": unique_number("P")},
        ],
        "nationality": "VEN",
        "entry_date": "2019-06-14",
        "given_names": "María José",
        "paternal_surname": "Rondón",
        "maternal_surname": "Pérez",
        "birth_date": "1990-04-02",
        "sex": "F",
        "contact": {
            "phone": "+51987654321",
            "email": "maria.rondon@example.com",
            "consent": {"sms": True, "email": False, "whatsapp": True},
        },
        "occupations": ["5120"],
        "skills": ["cocina", "atención al cliente"],
    }
    body.update(overrides)
    return body


async def register(client: httpx.AsyncClient, point: str = "ICA", **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/migrants", json=migrant_body(point, **overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def events_for(
    bootstrap: str, ids: set[str], count: int, *, settle: float = 0.0, timeout: float = 20.0
) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of records on the migrant-services topics keyed by one of `ids`, in topic order per key.

    Catalogue topics are shared by every test, so the whole topic is read and filtered by key.
    With `settle`, read once more that many seconds after `count` arrived, to catch extras.
    """

    async def read() -> list[tuple[str, dict[str, Any]]]:
        # Migrant and case ids never collide, so per-key order survives reading topic after topic.
        records = [
            record
            for topic in (MIGRANT_SERVICES_MIGRANTS, MIGRANT_SERVICES_CASES)
            for record in await collect_records(bootstrap, topic.name, count=10**9, timeout=1.5)
        ]
        found = []
        for record in records:
            if record.key is None or record.key.decode() not in ids or record.value is None:
                continue
            headers = {k: v.decode() for k, v in record.headers}
            found.append((headers["ce_type"], json.loads(record.value)))
        return found

    deadline = time.monotonic() + timeout
    while True:
        found = await read()
        if len(found) >= count:
            if settle:
                await asyncio.sleep(settle)
                found = await read()
            return found
        if time.monotonic() > deadline:
            return found
