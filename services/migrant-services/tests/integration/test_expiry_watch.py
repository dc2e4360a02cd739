"""The document expiry watch raises DocumentExpiring once per document expiry, however often it sweeps."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from chasqui_common.clock import LIMA
from chasqui_migrant_services.main import DEFINITION
from chasqui_migrant_services.settings import MigrantsSettings
from chasqui_testing import RunningService, running_service

from .conftest import events_for, register, unique_number

EXPIRING = "pe.chasqui.migrants.document.expiring.v1"


async def test_a_cpp_expiring_within_30_days_is_announced_once_across_two_sweeps(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    today = datetime.now(LIMA).date()
    cpp = {
        "type": "CPP",
        "number": unique_number("C"),
        "expires_on": (today + timedelta(days=12)).isoformat(),
    }
    ce_later = {
        "type": "CE",
        "number": unique_number("E"),
        "expires_on": (today + timedelta(days=200)).isoformat(),
    }
    async with service.client("migrants:write") as client:
        person = await register(client, "PURUCHUCO", documents=[cpp, ce_later])
        first = await client.post("/v1/document-expiry/sweeps")
        second = await client.post("/v1/document-expiry/sweeps")
        assert first.status_code == second.status_code == 200, first.text
        assert (first.json()["announced"], second.json()["announced"]) == (1, 0)

    events = await events_for(kafka_bootstrap_servers, {person["migrant_id"]}, count=2, settle=1.5)
    expiring = [data for t, data in events if t == EXPIRING]
    assert len(expiring) == 1
    assert expiring[0]["document_type"] == "CPP"
    assert expiring[0]["document_number"] == cpp["number"]
    assert expiring[0]["expires_on"] == cpp["expires_on"]
    assert expiring[0]["days_left"] == 12
    assert expiring[0]["contact"]["phone"] == "+51987654321"


async def test_a_renewed_document_is_watched_for_its_new_expiry(service: RunningService) -> None:
    today = datetime.now(LIMA).date()
    cpp = {"type": "CPP", "number": unique_number("C"), "expires_on": (today + timedelta(days=5)).isoformat()}
    async with service.client("migrants:write") as client:
        person = await register(client, "VMT", documents=[cpp])
        assert (await client.post("/v1/document-expiry/sweeps")).json()["announced"] == 1
        renewed_until = today + timedelta(days=365)
        renewal = await client.put(
            f"/v1/migrants/{person['migrant_id']}/documents",
            json={**cpp, "expires_on": renewed_until.isoformat()},
        )
        assert renewal.status_code == 200, renewal.text
        assert (await client.post("/v1/document-expiry/sweeps")).json()["announced"] == 0
        near_new_expiry = (renewed_until - timedelta(days=20)).isoformat()
        swept = await client.post("/v1/document-expiry/sweeps", params={"as_of": near_new_expiry})
        assert swept.json() == {"as_of": near_new_expiry, "announced": 1}
        swept = await client.post("/v1/document-expiry/sweeps", params={"as_of": near_new_expiry})
        assert swept.json()["announced"] == 0


async def test_the_background_watch_announces_once_however_often_it_sweeps(
    service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(LIMA).date()
    ce = {"type": "CE", "number": unique_number("E"), "expires_on": (today + timedelta(days=29)).isoformat()}
    async with running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        settings_class=MigrantsSettings,
        expiry_watch_interval_seconds=0.2,
    ) as svc:
        async with svc.client("migrants:write") as client:
            person = await register(client, "ICA", documents=[ce])
        # many sweeps run while the events are read back
        events = await events_for(kafka_bootstrap_servers, {person["migrant_id"]}, count=2, settle=1.5)
    assert [t for t, _ in events].count(EXPIRING) == 1
