"""Issue 19, item 3: readiness depends on the database only. A service starts on the real broker and
database; then its broker clients are pointed at a closed port (the health check's admin client, and
the relay, whose producer cannot reach a broker there). `/readyz` stays 200 with the broker shown
unreachable in its body and `chasqui_kafka_up` 0, a write succeeds and its event waits in the outbox;
with the real broker back the backlog drains."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.auth.devtokens import ensure_signing_key
from chasqui_common.bootstrap import ServiceDefinition, ServiceRuntime, create_app, runtime
from chasqui_common.messaging.outbox import OutboxRelay
from chasqui_common.settings import ServiceSettings
from chasqui_testing import collect_records, serve_app
from fastapi import APIRouter, Depends
from prometheus_client import REGISTRY


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


def _definition(contract, tmp_path: Path) -> ServiceDefinition:  # type: ignore[no-untyped-def]
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_parcels.sql").write_text(
        "CREATE TABLE parcels (key text, seq int, PRIMARY KEY (key, seq));"
    )
    router = APIRouter(prefix="/v1")

    @router.post("/parcels/{key}/{seq}", status_code=201)
    async def send(key: str, seq: int, rt: ServiceRuntime = Depends(runtime)) -> dict[str, str]:
        async with rt.transactions.begin() as uow:
            await uow.conn.execute("INSERT INTO parcels VALUES ($1, $2)", key, seq)
            await uow.publish(contract.model(key=key, seq=seq))
        return {"key": key}

    return ServiceDefinition(
        name="readiness-test",
        title="Readiness test",
        migrations=migrations,
        routers=[router],
        publishes=[contract.topic],
        catalogue=contract.catalogue,
    )


async def test_a_broker_outage_keeps_the_api_ready_and_writes_wait_in_the_outbox(
    contract, service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=ensure_signing_key(tmp_path / "auth"),
        outbox_poll_interval=0.2,
        kafka_health_interval=0.2,
        log_json=True,
    )
    app = create_app(_definition(contract, tmp_path), settings)
    async with (
        serve_app(app.state.management) as management_url,
        serve_app(app) as base,
        httpx.AsyncClient(base_url=base) as http,
        httpx.AsyncClient(base_url=management_url) as management,
    ):
        rt: ServiceRuntime = app.state.runtime
        ready = await management.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}

        # The broker becomes unreachable for this service: its clients now point at a closed port.
        dead = f"127.0.0.1:{_closed_port()}"
        real_admin, rt.kafka_admin = rt.kafka_admin, AIOKafkaAdminClient(bootstrap_servers=dead)
        await rt.relay.stop()
        dead_relay = OutboxRelay(
            rt.pool, _UnreachableBroker(dead), schema=rt.schema, poll_interval=0.2, error_backoff=0.2
        )
        dead_relay.start()
        try:
            deadline = time.monotonic() + 30
            while rt.kafka_status == "ok":
                assert time.monotonic() < deadline, "the broker health check never noticed"
                await asyncio.sleep(0.1)
            started = time.monotonic()
            ready = await management.get("/readyz")
            assert time.monotonic() - started < 1.0, "the probe does not wait on the broker"
            assert ready.status_code == 200, ready.text
            body = ready.json()
            assert body["status"] == "ready"
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["kafka"].startswith("unreachable"), body
            assert body["required"] == ["database"]
            assert REGISTRY.get_sample_value("chasqui_kafka_up", {"service": "readiness-test"}) == 0

            created = await http.post("/v1/parcels/hh-1/1")
            assert created.status_code == 201, created.text
            await asyncio.sleep(1.0)  # the relay tries, and fails, to publish it
            row = await rt.pool.fetchrow("SELECT state, attempts, last_error FROM outbox")
            assert row is not None
            assert row["state"] != "published", "the event waits in the outbox"
            assert row["attempts"] >= 1
            assert row["last_error"]
        finally:
            await dead_relay.stop(flush_timeout=2)
            dead_admin, rt.kafka_admin = rt.kafka_admin, real_admin
            with contextlib.suppress(Exception):
                await asyncio.wait_for(dead_admin.close(), 5)

        # The broker is back: the health check sees it and a relay drains the backlog.
        rt.relay = OutboxRelay(rt.pool, rt.relay_sink, schema=rt.schema, poll_interval=0.2)
        rt.relay.start()
        records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=1, timeout=30)
        assert [r.key for r in records] == [b"hh-1"]
        deadline = time.monotonic() + 30
        while rt.kafka_status != "ok":
            assert time.monotonic() < deadline, "the broker health check never saw it back"
            await asyncio.sleep(0.1)
        assert REGISTRY.get_sample_value("chasqui_kafka_up", {"service": "readiness-test"}) == 1


class _UnreachableBroker:
    """A producer for a broker address where nothing listens: it cannot start, so nothing it is
    handed is acknowledged (what the relay sees while the cluster is down)."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[object]:
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, request_timeout_ms=1000)
        try:
            await producer.start()  # raises KafkaConnectionError: no broker answers there
        finally:
            await producer.stop()
        raise AssertionError("a producer started on a closed port")
