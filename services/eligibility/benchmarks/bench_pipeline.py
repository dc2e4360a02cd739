"""Benchmark (not a test): the event path end to end, registry import -> eligibility -> notifications.

    uv run python services/eligibility/benchmarks/bench_pipeline.py --households 100000
    uv run python services/eligibility/benchmarks/bench_pipeline.py --mode steady --rate 20 --seconds 30

`bulk` (the default): N households (`chasqui_scenario.sample_households`, as the registry's own
import benchmark) are imported through the registry's real import (`imports.run_import`, its
worker processes, its outbox and relay in their own process) while the eligibility service's
consumer and relay, and the notifications service's consumer, relay and dispatcher, each run in
their own process as deployed, on the real broker and database, all at the same time on the same
machine. Each service has a throwaway schema; topics are throwaway (the relays are redirected),
so a running platform and other tests never see the traffic. Figures, from the import's start:

- registry: all its events on Kafka (outbox empty) -> import rate (households/s);
- eligibility: every registry event applied, every decision committed, every `decision.changed`
  on Kafka -> its rate, and its ratio to the import rate (goal >= 0.5);
- notifications: every registry event and every `decision.changed` applied, every delivery
  queued -> its rate, and its ratio to eligibility's (goal >= 1: it keeps up);
- progress (lag) of each stage over time, as a table.

`steady`: the three services on a fresh schema each; households are registered through the
registry's HTTP API (POST /v1/households, a real uvicorn server, its real relay) at a steady
`--rate` per second; reports registration -> first message handed to the transport (the
delivery's `sent_at`) percentiles. In both modes the transports are in memory (they hand the
message over at once), the dispatcher keeps the service's default provider rates (SMS and
WhatsApp 20/s, e-mail 50/s) and quiet hours are off.

Needs `uv run chasqui-local start` (or `source /tmp/devstack.env` in a shared workspace).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.auth.scope import Caller
from chasqui_common.bootstrap import ServiceDefinition, migrate
from chasqui_common.db.pool import create_pool
from chasqui_common.events.notifications import DeliveryChannel
from chasqui_common.messaging.consumer import ConsumerRunner
from chasqui_common.messaging.outbox import Outbox, OutboxRelay
from chasqui_common.messaging.sink import MessageSink, ProducerSink
from chasqui_common.topics import DAY_MS, ELIGIBILITY_DECISIONS, REGISTRY_HOUSEHOLDS, Topic, ensure_topics
from chasqui_local import stack
from chasqui_local.config import LocalConfig
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema

ELIGIBILITY = "eligibility"
NOTIFICATIONS = "notifications"


class Redirect:
    """A relay's sink sending every message to the benchmark's own topic; with `main`, only the
    messages for that topic: the copies the catalogue asks for (a decision's copy on its
    program's topic, read by integrators only) go to `<topic>.copies`, which nothing consumes,
    as in a deployment."""

    def __init__(self, sink: MessageSink, topic: str, main: str | None = None) -> None:
        self._sink = sink
        self._topic = topic
        self._main = main

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        target = self._topic if self._main is None or topic == self._main else copies_of(self._topic)
        return await self._sink.send(target, key=key, value=value, headers=headers)


def copies_of(topic: str) -> str:
    return f"{topic}.copies"


class NullTransport:
    """Hands every message over at once (in memory): the time measured is the platform's."""

    idempotent = True

    def __init__(self, channel: DeliveryChannel) -> None:
        self.channel = channel
        self.name = f"bench-{channel.value}"

    async def send(self, message: Any) -> str | None:
        return None

    async def close(self) -> None:
        return None


def _topic(name: str) -> Topic:
    return Topic(name, "bench", "household id", "benchmark", True, 6, DAY_MS)


# --- the service processes -----------------------------------------------------------------------


def eligibility_process(
    dsn: str, schema: str, bootstrap: str, source: str, out: str, reset: str, ready: Any, stop: Any
) -> None:
    asyncio.run(_eligibility(dsn, schema, bootstrap, source, out, reset, ready, stop))


async def _eligibility(
    dsn: str, schema: str, bootstrap: str, source: str, out: str, reset: str, ready: Any, stop: Any
) -> None:
    from chasqui_eligibility.application.event_handlers import make_consumer

    pool = await create_pool(dsn, schema=schema, min_size=2, max_size=4)
    sink = ProducerSink(bootstrap, client_id=f"bench-{schema}")
    await sink.start()
    consumer = make_consumer(schema)
    consumer.topics = [_topic(source)]  # the service's handlers; only the topic differs
    consumer.bind(pool, Outbox("/chasqui/eligibility"), sink)
    relay = OutboxRelay(
        pool, Redirect(sink, out, ELIGIBILITY_DECISIONS.name), schema=schema, poll_interval=1.0
    )
    runner = ConsumerRunner(consumer, bootstrap, group_id=schema, auto_offset_reset=reset)  # type: ignore[arg-type]
    await runner.start()
    relay.start()
    await _serve(runner, ready, stop)
    await runner.stop()
    await relay.stop(flush_timeout=5)
    await sink.stop()
    await pool.close()


def notifications_process(
    dsn: str,
    schema: str,
    bootstrap: str,
    topics: list[str],
    out: str,
    reset: str,
    rate: float | None,
    ready: Any,
    stop: Any,
) -> None:
    asyncio.run(_notifications(dsn, schema, bootstrap, topics, out, reset, rate, ready, stop))


async def _notifications(
    dsn: str,
    schema: str,
    bootstrap: str,
    topics: list[str],
    out: str,
    reset: str,
    rate: float | None,
    ready: Any,
    stop: Any,
) -> None:
    from chasqui_notifications.application.dispatcher import Dispatcher
    from chasqui_notifications.application.event_handlers import build_consumer
    from chasqui_notifications.domain.quiet_hours import QuietHours
    from chasqui_notifications.domain.rate_limit import TokenBucket
    from chasqui_notifications.settings import NotificationsSettings

    settings = NotificationsSettings.model_construct()  # the defaults, without reading the environment

    pool = await create_pool(dsn, schema=schema, min_size=2, max_size=6)
    sink = ProducerSink(bootstrap, client_id=f"bench-{schema}")
    await sink.start()
    outbox = Outbox("/chasqui/notifications")
    consumer = build_consumer(schema)
    consumer.topics = [_topic(t) for t in topics]
    consumer.bind(pool, outbox, sink)
    relay = OutboxRelay(pool, Redirect(sink, out), schema=schema, poll_interval=1.0)
    dispatcher = Dispatcher(
        Transactions(pool, outbox),
        {channel: NullTransport(channel) for channel in DeliveryChannel},
        quiet_hours=QuietHours(channels=frozenset()),
        buckets={  # the service's default provider rates (NotificationsSettings)
            channel: TokenBucket(rate or default_rate, int(rate or burst))
            for channel, default_rate, burst in (
                (DeliveryChannel.SMS, settings.sms_rate_per_second, settings.sms_burst),
                (DeliveryChannel.WHATSAPP, settings.whatsapp_rate_per_second, settings.whatsapp_burst),
                (DeliveryChannel.EMAIL, settings.email_rate_per_second, settings.email_burst),
            )
        },
        batch_size=settings.dispatch_batch_size,
    )
    runner = ConsumerRunner(consumer, bootstrap, group_id=schema, auto_offset_reset=reset)  # type: ignore[arg-type]
    await runner.start()
    relay.start()
    dispatching = asyncio.create_task(dispatcher.run())
    await _serve(runner, ready, stop)
    dispatching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dispatching
    await runner.stop()
    await relay.stop(flush_timeout=5)
    await sink.stop()
    await pool.close()


async def _serve(runner: ConsumerRunner, ready: Any, stop: Any) -> None:
    while not runner.kafka.assignment():  # joined the group, partitions assigned  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    ready.set()
    await asyncio.to_thread(stop.wait)
    # The CPU time this service process used (all its threads), for the report: a figure that,
    # unlike the rates, does not depend on what else the shared machine runs.
    cpu_file(runner.group_id).write_text(f"{time.process_time():.3f}")


def cpu_file(schema: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{schema}.cpu-seconds"


# --- the benchmark --------------------------------------------------------------------------------


async def infrastructure() -> tuple[str, str]:
    """(Kafka bootstrap servers, admin DSN): KAFKA_BOOTSTRAP_SERVERS and DATABASE_ADMIN_URL when
    both are set (a shared workspace's own stack, as the pytest plugin reads them), else the local
    stack, started if it is not running."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    dsn = os.environ.get("DATABASE_ADMIN_URL")
    if bootstrap and dsn:
        return bootstrap, dsn
    info = await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)
    return info.kafka_bootstrap_servers, info.admin_dsn


@dataclass
class Schema:
    name: str
    dsn: str


@contextlib.asynccontextmanager
async def schemas(admin_dsn: str, *names: str) -> AsyncIterator[dict[str, Schema]]:
    database = database_of(admin_dsn)
    run = uuid.uuid4().hex[:8]
    made: dict[str, Schema] = {}
    try:
        for name in names:
            schema = f"bench_{name[:5]}_{run}"
            dsn = await provision_service_schema(
                admin_dsn, database=database, schema=schema, role=schema, password=f"{schema}-pw"
            )
            made[name] = Schema(schema, dsn)
        yield made
    finally:
        for schema in made.values():
            await drop_service_schema(admin_dsn, schema=schema.name, role=schema.name, database=database)


async def migrate_all(made: dict[str, Schema]) -> None:
    from chasqui_eligibility.main import MIGRATIONS as ELIGIBILITY_MIGRATIONS
    from chasqui_notifications.main import DEFINITION as NOTIFICATIONS_DEFINITION
    from chasqui_registry.main import DEFINITION as REGISTRY_DEFINITION

    definitions = {
        "registry": REGISTRY_DEFINITION,
        ELIGIBILITY: ServiceDefinition(name="eligibility", title="bench", migrations=ELIGIBILITY_MIGRATIONS),
        NOTIFICATIONS: NOTIFICATIONS_DEFINITION,
    }
    for name, schema in made.items():
        pool = await create_pool(schema.dsn, schema=schema.name, min_size=1, max_size=2)
        try:
            await migrate(definitions[name], pool, schema.name)
        finally:
            await pool.close()


class Services:
    """The eligibility and notifications processes."""

    def __init__(
        self,
        made: dict[str, Schema],
        bootstrap: str,
        registry_topic: str,
        reset: str,
        provider_rate: float | None = None,
    ) -> None:
        run = uuid.uuid4().hex[:8]
        self.decisions = f"bench.decisions.{run}"
        self.deliveries = f"bench.deliveries.{run}"
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.ready = [ctx.Event(), ctx.Event()]
        self.processes = [
            ctx.Process(
                target=eligibility_process,
                args=(
                    made[ELIGIBILITY].dsn,
                    made[ELIGIBILITY].name,
                    bootstrap,
                    registry_topic,
                    self.decisions,
                    reset,
                    self.ready[0],
                    self.stop,
                ),
                name="eligibility",
            ),
            ctx.Process(
                target=notifications_process,
                args=(
                    made[NOTIFICATIONS].dsn,
                    made[NOTIFICATIONS].name,
                    bootstrap,
                    [registry_topic, self.decisions],
                    self.deliveries,
                    reset,
                    provider_rate,
                    self.ready[1],
                    self.stop,
                ),
                name="notifications",
            ),
        ]
        self.bootstrap = bootstrap

    async def start(self) -> None:
        await ensure_topics(
            self.bootstrap,
            [_topic(self.decisions), _topic(copies_of(self.decisions)), _topic(self.deliveries)],
            with_dlq=True,
        )
        for process in self.processes:
            process.start()
        for event in self.ready:
            await asyncio.to_thread(event.wait)

    async def stop_all(self) -> None:
        self.stop.set()
        for process in self.processes:
            await asyncio.to_thread(process.join, 60)
            if process.is_alive():
                process.terminate()
        await delete_topics(self.bootstrap, [self.decisions, copies_of(self.decisions), self.deliveries])


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        gone = [n for name in names for n in (name, f"{name}.dlq") if n in existing]
        if gone:
            await admin.delete_topics(gone)
    finally:
        await admin.close()


@dataclass
class Sample:
    at: float
    registry_events: int
    registry_published: int
    eligibility_applied: int
    announced: int
    announced_published: int
    notifications_applied: int
    deliveries: int
    eligibility_unpublished: int  # with the copies on the programs' topics


SAMPLE_SQL = """
SELECT (SELECT count(*) FROM {r}.outbox WHERE topic = '{households}'),
       (SELECT count(*) FROM {r}.outbox WHERE topic = '{households}' AND state = 'published'),
       (SELECT count(*) FROM {e}.inbox),
       (SELECT count(*) FROM {e}.outbox WHERE topic = '{decisions}'),
       (SELECT count(*) FROM {e}.outbox WHERE topic = '{decisions}' AND state = 'published'),
       (SELECT count(*) FROM {n}.inbox),
       (SELECT count(*) FROM {n}.deliveries),
       (SELECT count(*) FROM {e}.outbox WHERE state <> 'published')
"""


async def bulk(households: int, seed: int, workers: int | None, provider_rate: float | None) -> None:
    from chasqui_registry.application import imports
    from chasqui_registry.main import DEFINITION as REGISTRY_DEFINITION
    from chasqui_scenario.sample_households import write_csv

    path = Path(f"/tmp/registry-bench-{households}-{seed}.csv")
    if not await asyncio.to_thread(path.exists):
        print(f"generating {households} households into {path} ...", flush=True)
        write_csv(path, households, seed)
    bootstrap, admin_dsn = await infrastructure()
    registry_topic = f"bench.registry.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [_topic(registry_topic)], with_dlq=True)
    async with schemas(admin_dsn, "registry", ELIGIBILITY, NOTIFICATIONS) as made:
        await migrate_all(made)
        admin = await asyncpg.create_pool(admin_dsn, min_size=1, max_size=2)
        services = Services(made, bootstrap, registry_topic, "earliest", provider_rate)
        await services.start()
        ctx = multiprocessing.get_context("spawn")
        relay_stop = ctx.Event()
        from import_benchmark import _relay_process  # the registry benchmark's relay process

        relay = ctx.Process(
            target=_relay_process,
            args=(made["registry"].dsn, made["registry"].name, bootstrap, registry_topic, 2000, relay_stop),
            name="registry-relay",
        )
        relay.start()
        sql = SAMPLE_SQL.format(
            r=made["registry"].name,
            e=made[ELIGIBILITY].name,
            n=made[NOTIFICATIONS].name,
            decisions=ELIGIBILITY_DECISIONS.name,
            households=REGISTRY_HOUSEHOLDS.name,  # not the import's audit record (chasqui.audit)
        )
        samples: list[Sample] = []
        try:
            reg_pool = await create_pool(
                made["registry"].dsn,
                schema=made["registry"].name,
                min_size=2,
                max_size=4,
                command_timeout=1200,
            )
            run = Transactions(reg_pool, Outbox(REGISTRY_DEFINITION.source))
            started = time.perf_counter()
            record = await run.command(
                imports.start_import,
                imports.StartImport(path.name, "csv", Caller.service("bench", "registry")),
            )

            async def sample_until_done(importing: asyncio.Task[Any]) -> None:
                while True:
                    row = await admin.fetchrow(sql)
                    s = Sample(time.perf_counter() - started, *row)
                    samples.append(s)
                    done = (
                        importing.done()
                        and s.registry_published == s.registry_events
                        and s.eligibility_applied >= s.registry_events
                        and s.announced_published == s.announced
                        and s.eligibility_unpublished == 0
                        and s.notifications_applied >= s.registry_events + s.announced
                    )
                    if done:
                        return
                    await asyncio.sleep(0.5)

            importing = asyncio.create_task(
                imports.run_import(run, imports.RunImport(record.import_id, path, "csv", workers=workers))
            )
            await sample_until_done(importing)
            report = importing.result()
            await reg_pool.close()
        finally:
            relay_stop.set()
            await asyncio.to_thread(relay.join, 60)
            # The import's CPU: this process (the import's coordinator, and the sampler) and its
            # children so far (the import's worker processes and the registry relay).
            cpu = {"registry": _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)}
            await services.stop_all()
            await delete_topics(bootstrap, [registry_topic])
        for name in (ELIGIBILITY, NOTIFICATIONS):
            path = cpu_file(made[name].name)
            if path.exists():
                cpu[name] = float(path.read_text())
                path.unlink()
        await admin.close()
    report_bulk(households, report.imported, samples)
    print(
        "CPU seconds per 1,000 households (user + system, all threads; PostgreSQL and Kafka not "
        "included): "
        + ", ".join(f"{name} {seconds * 1000 / households:.2f}" for name, seconds in cpu.items())
    )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _first(samples: list[Sample], test: Any) -> float:
    return next(s.at for s in samples if test(s))


def report_bulk(households: int, imported: int, samples: list[Sample]) -> None:
    last = samples[-1]
    events = last.registry_events
    t_import = _first(samples, lambda s: s.registry_events == events and s.registry_published == events)
    t_elig = _first(
        samples,
        lambda s: (
            s.eligibility_applied >= events
            and s.announced == last.announced
            and s.announced_published == last.announced
            and s.eligibility_unpublished == 0
        ),
    )
    t_notif = last.at
    elig_start = _first(samples, lambda s: s.eligibility_applied > 0)
    notif_first_decision = _first(samples, lambda s: s.deliveries > 0)
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"{imported} households imported, {events} registry events, {last.announced} decision.changed, "
        f"{last.deliveries} deliveries recorded"
    )
    rate_import = households / t_import
    rate_elig = households / t_elig
    rate_notif = households / t_notif
    print("| stage (all running at once, from the import's start) | done at | households/s | ratio |")
    print("|---|---|---|---|")
    print(f"| registry import, every event on Kafka | {t_import:.1f} s | {rate_import:,.0f} | 1 |")
    print(
        f"| eligibility: decided, decision.changed on Kafka | {t_elig:.1f} s | {rate_elig:,.0f} "
        f"| {rate_elig / rate_import:.2f} of import |"
    )
    print(
        f"| notifications: every delivery queued | {t_notif:.1f} s | {rate_notif:,.0f} "
        f"| {rate_notif / rate_elig:.2f} of eligibility |"
    )
    print(
        f"eligibility busy from {elig_start:.1f} s; decision.changed -> deliveries: "
        f"{last.announced / max(1e-9, t_notif - notif_first_decision):,.0f} events/s "
        f"(eligibility announced {last.announced / max(1e-9, t_elig - elig_start):,.0f}/s)"
    )
    print(f"fully decided and queued at {t_notif / t_import:.2f}x the import's own time (goal <= 2)")
    print("\nprogress (lag behind the registry's published events):")
    print(
        "| t (s) | registry on Kafka | eligibility applied (lag) | decision.changed on Kafka | "
        "notifications applied (lag) | deliveries |"
    )
    print("|---|---|---|---|---|---|")
    step = max(1, len(samples) // 20)
    for s in [*samples[::step], last]:
        print(
            f"| {s.at:.1f} | {s.registry_published} | {s.eligibility_applied} "
            f"({s.registry_published - s.eligibility_applied}) | {s.announced_published} | "
            f"{s.notifications_applied} ({s.registry_published + s.announced_published - s.notifications_applied}) "
            f"| {s.deliveries} |"
        )


# --- steady registrations through the API ---------------------------------------------------------


def household_body(i: int) -> dict[str, Any]:
    number = f"{(uuid.uuid4().int + i) % 100_000_000:08d}"
    return {
        "ubigeo": "150142",
        "address": f"Sector 2, Grupo 5, Mz. K Lt. {i}, Villa El Salvador",
        "residence_since": "2012-07-01",
        "registering_unit": "ULE-150142",
        "members": [
            {
                "document": {"type": "DNI", "number": number},
                "given_names": "Rosa",
                "paternal_surname": "Quispe",
                "maternal_surname": "Huamán",
                "birth_date": "1950-03-14",
                "sex": "F",
                "relationship": "HEAD",
                "pension": "none",
                "contact": {"phone": "+51987654321", "consent": {"sms": True}},
            }
        ],
    }


async def steady(rate: float, seconds: float, provider_rate: float | None) -> None:
    from chasqui_registry.main import DEFINITION as REGISTRY_DEFINITION
    from chasqui_testing import running_service

    bootstrap, admin_dsn = await infrastructure()
    sent: dict[str, datetime] = {}  # person id of the head -> registration request sent
    households: dict[str, str] = {}  # person id of the head -> household id
    firsts: dict[str, datetime] = {}
    hops: dict[str, dict[str, datetime]] = {}
    async with schemas(admin_dsn, "registry", ELIGIBILITY, NOTIFICATIONS) as made:
        await migrate_all(made)
        # The registry's real relay publishes to registry.households: the workers start at its end.
        services = Services(made, bootstrap, REGISTRY_HOUSEHOLDS.name, "latest", provider_rate)
        await services.start()
        admin = await asyncpg.create_pool(admin_dsn, min_size=1, max_size=2)
        r, e, n = made["registry"].name, made[ELIGIBILITY].name, made[NOTIFICATIONS].name
        try:
            with tempfile.TemporaryDirectory() as auth_dir:
                async with (
                    running_service(
                        REGISTRY_DEFINITION,
                        database_url=made["registry"].dsn,
                        schema=r,
                        kafka_bootstrap_servers=bootstrap,
                        auth_dir=Path(auth_dir),
                        outbox_poll_interval=1.0,
                        log_level="WARNING",
                    ) as registry,
                    registry.client("registry:write") as client,
                ):
                    count = int(rate * seconds)
                    begin = time.perf_counter()

                    async def register(i: int) -> None:
                        await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
                        at = datetime.now(UTC)
                        response = await client.post("/v1/households", json=household_body(i))
                        response.raise_for_status()
                        body = response.json().get("household", response.json())
                        person = body["members"][0]["person_id"]
                        sent[person] = at
                        households[person] = body["household_id"]

                    await asyncio.gather(*(register(i) for i in range(count)))
                    deadline = time.perf_counter() + 60
                    query = f"SELECT person_id, min(sent_at) FROM {n}.deliveries WHERE sent_at IS NOT NULL GROUP BY 1"
                    while True:
                        rows = await admin.fetch(query)
                        firsts = {row[0]: row[1] for row in rows if row[0] in sent}
                        if len(firsts) >= len(sent) or time.perf_counter() > deadline:
                            break
                        await asyncio.sleep(0.5)
            steps = (
                (
                    "registry event on Kafka",
                    f"SELECT message_key, min(published_at) FROM {r}.outbox GROUP BY 1",
                ),
                (
                    "decided (eligibility committed)",
                    f"SELECT household_id, min(decided_at) FROM {e}.decision_log GROUP BY 1",
                ),
                (
                    "decision.changed on Kafka",
                    f"SELECT message_key, min(published_at) FROM {e}.outbox GROUP BY 1",
                ),
                (
                    "message queued (notifications committed)",
                    f"SELECT person_id, min(created_at) FROM {n}.deliveries GROUP BY 1",
                ),
            )
            for label, sql in steps:
                hops[label] = {row[0]: row[1] for row in await admin.fetch(sql) if row[1] is not None}
            per_household = await admin.fetchval(
                f"SELECT count(*)::float / greatest(1, count(DISTINCT person_id)) FROM {n}.deliveries"
            )
        finally:
            await services.stop_all()
            for name in (ELIGIBILITY, NOTIFICATIONS):
                cpu_file(made[name].name).unlink(missing_ok=True)
            await admin.close()
    latencies = sorted((firsts[p] - sent[p]).total_seconds() * 1000 for p in firsts)
    if not latencies:
        print("no message reached the transport")
        return

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{len(sent)} households registered through the API at {rate:g}/s for {seconds:g} s; "
        f"{len(latencies)} got a first message handed to the transport; {per_household:.2f} messages per "
        f"household; provider rate per channel: {provider_rate or 'the service default (SMS 20/s)'}"
    )
    print("| registration -> first message handed to the transport | p50 | p90 | p99 | max | mean |")
    print("|---|---|---|---|---|---|")
    print(
        f"| ms | {pct(latencies, 0.5):.0f} | {pct(latencies, 0.9):.0f} | {pct(latencies, 0.99):.0f} "
        f"| {latencies[-1]:.0f} | {statistics.fmean(latencies):.0f} |"
    )
    print("\nregistration -> each step, ms (p50 / p99):")
    for label, times in hops.items():
        by_person = "queued" in label
        values = sorted(
            (t - sent[p]).total_seconds() * 1000
            for p in sent
            if (t := times.get(p if by_person else households[p])) is not None
        )
        if values:
            print(f"- {label}: {pct(values, 0.5):.0f} / {pct(values, 0.99):.0f} ({len(values)} households)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["bulk", "steady", "both"], default="both")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--workers", type=int, default=None, help="registry import worker processes")
    parser.add_argument("--rate", type=float, default=20.0, help="steady: registrations per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="steady: how long")
    parser.add_argument(
        "--provider-rate",
        type=float,
        default=None,
        help="messages/s each channel's provider accepts (default: the service's, SMS/WhatsApp 20/s)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "registry" / "benchmarks"))
    if args.mode in ("bulk", "both"):
        asyncio.run(bulk(args.households, args.seed, args.workers, args.provider_rate))
    if args.mode in ("steady", "both"):
        asyncio.run(steady(args.rate, args.seconds, args.provider_rate))


if __name__ == "__main__":
    main()
