"""Benchmark: the event-driven path on the real broker and database.

Registry `HouseholdRegistered` events in, decisions and `eligibility.decision.changed` events
out. N realistic households (`chasqui_scenario.synthetic.population`) are published once to
a throwaway topic; then each implementation consumes the same backlog with its own consumer
group, in its own fresh schema, with the service's real consumer (inbox, one transaction per
record), outbox and outbox relay. The relay publishes to a throwaway topic instead of
`eligibility.decisions` so a running platform and other tests never see benchmark traffic.

    uv run python services/eligibility/benchmarks/bench_eligibility.py ...   # bulk paths
    uv run python services/eligibility/benchmarks/bench_event_path.py --households 5000

`--implementation legacy` is the handler as it was before the optimisation (tree-walking CEL,
facts converted per decision, one SQL round trip per step; `legacy_event_path.py`),
`--implementation current` is the service's handler (since issue 17: a batch handler deciding each
Kafka batch at once with the fast path, writing decisions and their log in one statement per
batch); the default runs both, legacy first.
Not a test: it prints figures for docs/benchmarks/eligibility.md. Needs `uv run chasqui-local
start` (it starts Kafka and PostgreSQL if they are not running, never stops them).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.bootstrap import ServiceDefinition, migrate
from chasqui_common.clock import FixedClock
from chasqui_common.db.pool import create_pool
from chasqui_common.events.registry import HouseholdRegistered
from chasqui_common.messaging.consumer import ConsumerRunner, EventConsumer
from chasqui_common.messaging.outbox import Outbox, OutboxRelay
from chasqui_common.messaging.sink import MessageSink, ProducerSink
from chasqui_common.topics import DAY_MS, Topic, ensure_topics
from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.application.event_handlers import make_consumer
from chasqui_eligibility.main import MIGRATIONS
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema
from chasqui_scenario.synthetic import population

sys.path.insert(0, str(Path(__file__).parent))
from bench_pipeline import infrastructure
from legacy_event_path import make_legacy_consumer

ON = date(2026, 3, 1)
REGISTRY = Outbox("/chasqui/registry")
DEFINITION = ServiceDefinition(name="eligibility", title="bench", migrations=MIGRATIONS)


class Redirect:
    """The relay's sink, sending every message to the benchmark's own output topic."""

    def __init__(self, sink: MessageSink, topic: str) -> None:
        self._sink = sink
        self._topic = topic

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        return await self._sink.send(self._topic, key=key, value=value, headers=headers)


@dataclass
class Result:
    implementation: str
    events: int
    seconds_in: float  # first record applied -> last record applied
    decisions: int  # decision rows written (current decisions + log)
    announced: int  # decision.changed events
    seconds_out: float  # first record applied -> last decision.changed published on Kafka

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds_in

    @property
    def decisions_per_s(self) -> float:
        return self.decisions / self.seconds_in

    @property
    def announced_per_s(self) -> float:
        return self.announced / self.seconds_out


async def publish_backlog(bootstrap: str, topic: str, households: int, seed: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=20)
    await producer.start()
    try:
        futures = []
        for hh in population(households, seed=seed):
            env = REGISTRY.envelope(HouseholdRegistered(household_id=hh.household_id, household=hh))
            futures.append(
                await producer.send(
                    topic,
                    env.body(),
                    key=env.subject.encode() if env.subject else None,
                    headers=[(k, v.encode()) for k, v in env.headers().items()],
                )
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def run_one(
    implementation: str, *, admin_dsn: str, bootstrap: str, source: Topic, sink_topic: str, events: int
) -> Result:
    run_id = uuid.uuid4().hex[:8]
    name = f"bench_ev_{run_id}"
    database = database_of(admin_dsn)
    dsn = await provision_service_schema(
        admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    pool = await create_pool(dsn, schema=name, min_size=2, max_size=4)
    sink = ProducerSink(bootstrap, client_id=f"bench-{name}")
    runner: ConsumerRunner | None = None
    relay: OutboxRelay | None = None
    try:
        await migrate(DEFINITION, pool, name)
        consumer: EventConsumer = (
            make_legacy_consumer(load_rule_book(), name)
            if implementation == "legacy"
            else make_consumer(name)
        )
        consumer.topics = [source]  # the handlers are the service's; only the topic is throwaway
        outbox = Outbox("/chasqui/eligibility")
        consumer.bind(pool, outbox, sink, FixedClock(ON))
        await sink.start()
        relay = OutboxRelay(pool, Redirect(sink, sink_topic), schema=name, poll_interval=0.2)
        runner = await consumer.start(bootstrap)
        relay.start()

        first: float | None = None
        applied_at = published_at = 0.0
        applied = published = announced = 0
        while True:
            applied, announced, published = await pool.fetchrow(
                """
                SELECT (SELECT count(*) FROM inbox),
                       (SELECT count(*) FROM outbox),
                       (SELECT count(*) FROM outbox WHERE state = 'published')
                """
            )
            now = time.perf_counter()
            if first is None and applied:
                first = now  # the group joined and the first transaction committed
            if applied >= events and not applied_at:
                applied_at = now
            if applied_at and published >= announced:
                published_at = now
                break
            await asyncio.sleep(0.05)
        assert first is not None
        decisions = await pool.fetchval("SELECT count(*) FROM decision_log")
        print(
            f"  {implementation}: {applied} events applied, {decisions} decisions recorded, "
            f"{announced} decision.changed published",
            flush=True,
        )
        return Result(implementation, events, applied_at - first, decisions, announced, published_at - first)
    finally:
        if relay is not None:
            await relay.stop(flush_timeout=5)
        if runner is not None:
            await runner.stop()
        await sink.stop()
        await pool.close()
        await drop_service_schema(admin_dsn, schema=name, role=name, database=database)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--implementation", choices=["legacy", "current", "both"], default="both", help="default: both"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    bootstrap, admin_dsn = await infrastructure()
    run = uuid.uuid4().hex[:8]
    source = Topic(f"bench.registry.{run}", "bench", "household id", "benchmark input", True, 6, DAY_MS)
    out = Topic(f"bench.decisions.{run}", "bench", "household id", "benchmark output", True, 6, DAY_MS)
    await ensure_topics(bootstrap, [source, out], with_dlq=True)
    try:
        started = time.perf_counter()
        await publish_backlog(bootstrap, source.name, args.households, args.seed)
        print(
            f"published {args.households} HouseholdRegistered events to {source.name} "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        implementations = ["legacy", "current"] if args.implementation == "both" else [args.implementation]
        results = []
        for implementation in implementations:
            results.append(
                await run_one(
                    implementation,
                    admin_dsn=admin_dsn,
                    bootstrap=bootstrap,
                    source=source,
                    sink_topic=out.name,
                    events=args.households,
                )
            )
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([source.name, out.name, source.dlq.name, out.dlq.name])
        finally:
            await admin.close()

    print(f"\nmachine: {platform.machine()}, Python {platform.python_version()}, evaluation date {ON}")
    print("| implementation | events in/s | decisions recorded/s | decision.changed out/s (on Kafka) |")
    print("|---|---|---|---|")
    for r in results:
        print(
            f"| {r.implementation} | {r.events_per_s:,.0f} ({r.events} in {r.seconds_in:.1f} s) "
            f"| {r.decisions_per_s:,.0f} ({r.decisions}) "
            f"| {r.announced_per_s:,.0f} ({r.announced} in {r.seconds_out:.1f} s) |"
        )
    if len(results) == 2:
        print(f"speed-up (events in/s): {results[1].events_per_s / results[0].events_per_s:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
