"""Issue 19: a service starts while the broker is down. Its API serves and is ready (the database
decides readiness), a write waits in the outbox, and when the broker answers the Kafka clients start
in the background and the backlog drains, with no restart.

The broker "comes back" by a forwarder starting to listen on the bootstrap address the service was
given (chasqui_testing.proxy.HangingProxy to the real broker): the broker's metadata then points the
clients at the real broker, as after an outage.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from chasqui_common.auth.devtokens import ensure_signing_key
from chasqui_common.bootstrap import ServiceRuntime, create_app
from chasqui_common.settings import ServiceSettings
from chasqui_testing import collect_records, serve_app
from chasqui_testing.ports import free_port
from chasqui_testing.proxy import HangingProxy

from .test_reliability_readiness import _definition


async def test_a_service_started_while_the_broker_is_down_serves_and_connects_when_it_is_back(
    contract, service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()  # nothing listens here yet: the broker is "down"
    settings = ServiceSettings(
        kafka_bootstrap_servers=f"127.0.0.1:{port}",
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=ensure_signing_key(tmp_path / "auth"),
        outbox_poll_interval=0.2,
        kafka_health_interval=0.2,
        log_json=True,
    )
    app = create_app(_definition(contract, tmp_path), settings)
    proxy: HangingProxy | None = None
    try:
        async with (
            serve_app(app.state.management) as management_url,
            serve_app(app) as base,
            httpx.AsyncClient(base_url=base) as http,
            httpx.AsyncClient(base_url=management_url) as management,
        ):
            rt: ServiceRuntime = app.state.runtime
            ready = await management.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["database"] == "ok"
            assert ready.json()["checks"]["kafka"].startswith("unreachable"), ready.json()
            assert any(task.get_name() == "kafka-connect" for task in rt.tasks)

            created = await http.post("/v1/parcels/hh-down/1")
            assert created.status_code == 201, created.text
            row = await rt.pool.fetchrow("SELECT state FROM outbox")
            assert row is not None
            assert row["state"] != "published"

            host, _, real_port = kafka_bootstrap_servers.split(",")[0].rpartition(":")
            assert host in ("127.0.0.1", "localhost"), kafka_bootstrap_servers
            proxy = HangingProxy(port, upstream=int(real_port))  # the broker is back

            deadline = time.monotonic() + 90
            while rt.kafka_status != "ok":
                assert time.monotonic() < deadline, f"never connected: {rt.kafka_status}"
                await asyncio.sleep(0.2)
            records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=1, timeout=30)
            assert [r.key for r in records] == [b"hh-down"]
            assert (await management.get("/readyz")).json()["checks"]["kafka"] == "ok"
    finally:
        if proxy is not None:
            proxy.close()


async def test_a_service_that_never_reached_the_broker_still_stops_cleanly(
    contract, service_db, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from chasqui_common.bootstrap import start_runtime, stop_runtime

    settings = ServiceSettings(
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=ensure_signing_key(tmp_path / "auth"),
        log_json=True,
    )
    rt = await start_runtime(_definition(contract, tmp_path), settings, service_db.schema)
    assert rt.kafka_status.startswith("unreachable")
    connecting = next(task for task in rt.tasks if task.get_name() == "kafka-connect")
    # The stop never waits on the unstarted clients, nor on the background connection attempts.
    await asyncio.wait_for(stop_runtime(rt), 60)
    assert connecting.done()
    assert rt.pool.is_closing()


async def test_the_clients_made_before_the_broker_answered_are_closed_when_replaced(
    contract, service_db, kafka_bootstrap_servers: str, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    """`start_runtime` makes unstarted Kafka clients first and swaps them for started ones: the
    first ones are closed, so aiokafka never logs them as unclosed clients."""
    import gc
    import logging

    from chasqui_common.bootstrap import start_runtime, stop_runtime

    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=ensure_signing_key(tmp_path / "auth"),
        log_json=True,
    )
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        rt = await start_runtime(_definition(contract, tmp_path), settings, service_db.schema)
        try:
            assert rt.kafka_status == "ok"
            gc.collect()
        finally:
            await stop_runtime(rt)
        gc.collect()
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()], caplog.text
