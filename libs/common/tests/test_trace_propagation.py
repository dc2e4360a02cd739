"""One trace follows a request from an HTTP API through the outbox, Kafka and a consumer that
records a further event: the W3C traceparent travels in the outbox row and the Kafka headers."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.bootstrap import ServiceDefinition, ServiceRuntime, create_app, runtime
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.settings import ServiceSettings
from chasqui_common.telemetry.tracing import configure_tracing
from chasqui_testing import collect_records, serve_app
from fastapi import APIRouter, Depends
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


async def test_trace_id_spans_http_request_outbox_kafka_and_consumer(
    contract, service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    exporter = InMemorySpanExporter()
    provider = configure_tracing("trace-test", exporter=exporter)
    router = APIRouter()

    @router.post("/parcels/{seq}", status_code=201)
    async def send(seq: int, rt: ServiceRuntime = Depends(runtime)) -> None:
        async with rt.transactions.begin() as uow:
            await uow.publish(contract.model(key="hh-trace", seq=seq))

    consumer = EventConsumer("trace-test", topics=[contract.topic], catalogue=contract.catalogue)

    @consumer.on(contract.model)
    async def relay_on(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        if parcel.seq == 1:  # the consumer causes a second event, as eligibility does for notifications
            await uow.publish(contract.model(key="hh-trace", seq=2))

    definition = ServiceDefinition(
        name="trace-test",
        title="Trace test",
        migrations=None,
        routers=[router],
        consumers=[consumer],
        publishes=[contract.topic],
        catalogue=contract.catalogue,
    )
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        outbox_poll_interval=0.2,
    )
    async with serve_app(create_app(definition, settings)) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.post("/parcels/1")).status_code == 201
        records = await collect_records(kafka_bootstrap_servers, contract.topic.name, count=2, timeout=30)
        deadline = time.monotonic() + 10
        while len([s for s in exporter.get_finished_spans() if "process" in s.name]) < 2:
            assert time.monotonic() < deadline, "the consumer spans never finished"
            await asyncio.sleep(0.1)
    provider.force_flush()

    envelopes = [Envelope.from_kafka(r.headers, r.value) for r in records]
    assert [e.data["seq"] for e in envelopes] == [1, 2]
    trace_ids = {e.traceparent.split("-")[1] for e in envelopes if e.traceparent}
    assert len(trace_ids) == 1, f"both events must carry one trace id, saw {trace_ids}"
    assert envelopes[1].causationid == str(envelopes[0].id)
    [trace_id] = trace_ids
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.name.startswith("POST")]
    consumed = [s for s in spans if s.name.endswith("process")]
    assert server
    assert format(server[0].context.trace_id, "032x") == trace_id
    assert len(consumed) == 2
    assert {format(s.context.trace_id, "032x") for s in consumed} == {trace_id}
