"""The service bootstrap on the real broker and database: health, readiness, metrics, migrations,
an HTTP write that commits state and event together, and a consumer reacting to it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth.devtokens import ensure_signing_key
from chasqui_common.bootstrap import ServiceDefinition, ServiceRuntime, create_app, runtime
from chasqui_common.db.migrations import common_migrations
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.settings import ServiceSettings
from chasqui_testing import collect_records, serve_app
from fastapi import APIRouter, Depends


def _definition(contract, tmp_path: Path) -> ServiceDefinition:  # type: ignore[no-untyped-def]
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_parcels.sql").write_text(
        "CREATE TABLE parcels (key text, seq int, PRIMARY KEY (key, seq));"
        "CREATE TABLE receipts (key text, seq int);"
    )
    router = APIRouter(prefix="/v1")

    @router.post("/parcels/{key}/{seq}", status_code=201)
    async def send(key: str, seq: int, rt: ServiceRuntime = Depends(runtime)) -> dict[str, str]:
        async with rt.transactions.begin() as uow:
            await uow.conn.execute("INSERT INTO parcels VALUES ($1, $2)", key, seq)
            await rt.outbox.record(uow.conn, contract.model(key=key, seq=seq))
        return {"key": key}

    consumer = EventConsumer("bootstrap-test", topics=[contract.topic], catalogue=contract.catalogue)

    @consumer.on(contract.model)
    async def receipt(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        await uow.conn.execute("INSERT INTO receipts VALUES ($1, $2)", parcel.key, parcel.seq)

    return ServiceDefinition(
        name="bootstrap-test",
        title="Bootstrap test",
        migrations=migrations,
        routers=[router],
        consumers=[consumer],
        publishes=[contract.topic],
        catalogue=contract.catalogue,
    )


async def test_a_bootstrapped_service_serves_health_writes_through_the_outbox_and_consumes(
    contract, service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    definition = _definition(contract, tmp_path)
    jwks = ensure_signing_key(tmp_path / "auth")
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=jwks,
        outbox_poll_interval=0.2,
        lag_report_interval=0.2,
        log_json=True,
    )
    app = create_app(definition, settings)
    async with (
        serve_app(app.state.management) as management_url,
        serve_app(app) as base,
        httpx.AsyncClient(base_url=base) as http,
        httpx.AsyncClient(base_url=management_url) as management,
    ):
        assert (await management.get("/healthz")).json()["status"] == "alive"
        ready = await management.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}
        rt: ServiceRuntime = app.state.runtime

        created = await http.post("/v1/parcels/hh-1/1")
        assert created.status_code == 201, created.text
        records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=1, timeout=20)
        assert [r.key for r in records] == [b"hh-1"]

        deadline = time.monotonic() + 30
        while not await rt.pool.fetchval("SELECT count(*) FROM receipts"):
            assert time.monotonic() < deadline, "the consumer never applied the event"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # one lag measurement after the partitions were assigned
        metrics = (await management.get("/metrics")).text
        assert 'chasqui_messages_processed_total{consumer="bootstrap-test"' in metrics
        assert "chasqui_outbox_backlog" in metrics
        assert 'chasqui_consumer_lag{consumer="bootstrap-test"' in metrics
        applied = await rt.pool.fetch("SELECT version FROM schema_migrations ORDER BY version")
        common = [m.version for m in common_migrations()]  # outbox/inbox, idempotency keys, ...
        assert [r["version"] for r in applied] == sorted(["0001", *common])
        assert {"common-0000", "common-0001"} <= set(common)
