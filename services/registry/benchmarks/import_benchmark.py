"""Benchmark (not a test): bulk ULE import through the real path vs raw asyncpg COPY of the same rows.

    uv run python services/registry/benchmarks/import_benchmark.py --households 100000

Runs against the local stack (`uv run chasqui-local start`) in a throwaway schema and role. Events
go through the real outbox and relay to Kafka, redirected to a throwaway topic so that other tests
reading the shared `registry.households` topic are not flooded; both are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import multiprocessing
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.auth.scope import Caller
from chasqui_common.db.migrations import apply_migrations, common_migrations, load_migrations
from chasqui_common.db.pool import create_pool
from chasqui_common.messaging.outbox import Outbox, OutboxRelay
from chasqui_common.messaging.sink import ProducerSink
from chasqui_local import stack
from chasqui_local.config import LocalConfig
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema
from chasqui_registry.adapters.import_files import CSV_COLUMNS
from chasqui_registry.application import imports
from chasqui_registry.cli import wait_for_empty_outbox
from chasqui_registry.main import DEFINITION

sys.path.insert(0, str(Path(__file__).parent))
from chasqui_scenario.sample_households import write_csv

PARTITIONS = 6  # as registry.households


class RedirectingSink(ProducerSink):
    """The service's relay sink, publishing to the benchmark's own topic instead of the shared one."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(bootstrap)
        self.topic = topic

    async def send(self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]) -> Any:
        return await super().send(self.topic, key=key, value=value, headers=headers)


def _relay_process(dsn: str, schema: str, bootstrap: str, topic: str, batch: int, stop: Any) -> None:
    asyncio.run(_relay(dsn, schema, bootstrap, topic, batch, stop))


async def _relay(dsn: str, schema: str, bootstrap: str, topic: str, batch: int, stop: Any) -> None:
    pool = await create_pool(dsn, schema=schema, min_size=1, max_size=2)
    sink = RedirectingSink(bootstrap, topic)
    await sink.start()
    relay = OutboxRelay(pool, sink, schema=schema, batch_size=batch, poll_interval=0.1)
    relay.start()
    try:
        await asyncio.to_thread(stop.wait)
    finally:
        await relay.stop()
        await sink.stop()
        await pool.close()


async def baseline_copy(dsn: str, schema: str, path: Path) -> float:
    """Raw asyncpg COPY of the same CSV rows into one text table: the floor for moving the bytes."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        columns = ", ".join(f"{c} text" for c in CSV_COLUMNS)
        await conn.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS baseline_rows ({columns})")
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            batch: list[list[str]] = []
            for row in reader:
                batch.append(row)
                if len(batch) >= 20_000:
                    await conn.copy_records_to_table("baseline_rows", records=batch)
                    batch = []
            if batch:
                await conn.copy_records_to_table("baseline_rows", records=batch)
        return time.perf_counter() - started
    finally:
        await conn.close()


def _generated(path: Path, households: int, seed: int) -> int:
    """Rows in the generated file (generated once per size and seed; kept with --keep-file)."""
    if not path.exists():
        print(f"generating {households} households (seed {seed}) into {path} …", flush=True)
        started = time.perf_counter()
        write_csv(path, households, seed)
        print(f"  done in {time.perf_counter() - started:.1f}s", flush=True)
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


async def run(
    households: int, seed: int, batch_size: int, relay_batch: int, keep_file: bool, workers: int | None
) -> None:
    path = Path(f"/tmp/registry-bench-{households}-{seed}.csv")
    rows = await asyncio.to_thread(_generated, path, households, seed)

    config = LocalConfig.from_env()
    info = await stack.ensure_running(config, progress=lambda message: None)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    database = database_of(info.admin_dsn)
    dsn = await provision_service_schema(
        info.admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    topic = f"bench.registry.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=info.kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    pool = await create_pool(dsn, schema=name, min_size=2, max_size=4, command_timeout=600)
    try:
        assert DEFINITION.migrations is not None
        async with pool.acquire() as conn:
            await apply_migrations(conn, name, common_migrations() + load_migrations(DEFINITION.migrations))

        baseline = await baseline_copy(dsn, name, path)
        print(f"baseline COPY: {rows} rows / {households} households in {baseline:.1f}s", flush=True)

        # The relay runs in its own process, as the service's does beside a CLI import.
        context = multiprocessing.get_context("spawn")
        stop = context.Event()
        relay = context.Process(
            target=_relay_process,
            args=(dsn, name, info.kafka_bootstrap_servers, topic, relay_batch, stop),
            name="outbox-relay",
        )
        relay.start()
        started = time.perf_counter()
        cpu_started = time.process_time()
        run = Transactions(pool, Outbox(DEFINITION.source))
        started = await run.command(
            imports.start_import, imports.StartImport(path.name, "csv", Caller.service("test", "registry"))
        )
        report = await imports.run_import(
            run,
            imports.RunImport(started.import_id, path, "csv", batch_size=batch_size, workers=workers),
        )
        imported_at = time.perf_counter() - started
        import_cpu = time.process_time() - cpu_started
        await wait_for_empty_outbox(pool)
        published_at = time.perf_counter() - started
        stop.set()
        await asyncio.to_thread(relay.join, 60)
        offsets = await _topic_size(info.kafka_bootstrap_servers, topic, PARTITIONS)

        print(
            f"import: {report.imported} imported, {report.rejected} rejected, {report.skipped} skipped; "
            f"committed in {imported_at:.1f}s, all events on Kafka ({offsets} messages) at {published_at:.1f}s; "
            f"waited {report.waiting_seconds:.1f}s for batches to be read and validated, "
            f"{report.committing_seconds:.1f}s checking and committing them",
            flush=True,
        )
        relay_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            f"CPU: import process {import_cpu:.1f}s ({import_cpu / households * 1e3:.2f} ms/household), "
            f"relay process {relay_cpu.ru_utime + relay_cpu.ru_stime:.1f}s; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        print()
        print("| measure | seconds | households/s | vs baseline |")
        print("|---|---:|---:|---:|")
        print(
            f"| raw asyncpg COPY of the rows (baseline) | {baseline:.1f} | {households / baseline:,.0f} | 1.0× |"
        )
        print(
            f"| import committed (validated, outbox rows written) | {imported_at:.1f} | "
            f"{households / imported_at:,.0f} | {imported_at / baseline:.1f}× |"
        )
        print(
            f"| import + every event published to Kafka | {published_at:.1f} | "
            f"{households / published_at:,.0f} | {published_at / baseline:.1f}× |"
        )
    finally:
        await pool.close()
        await admin.delete_topics([topic])
        await admin.close()
        await drop_service_schema(info.admin_dsn, schema=name, role=name, database=database)
        if not keep_file:
            await asyncio.to_thread(path.unlink, True)


async def _topic_size(bootstrap: str, topic: str, partitions: int) -> int:
    """How many messages the topic holds (the sum of its partitions' end offsets)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return int(sum(ends.values()))
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--batch-size", type=int, default=imports.DEFAULT_BATCH)
    parser.add_argument("--relay-batch", type=int, default=2000)
    parser.add_argument("--keep-file", action="store_true", help="keep the generated CSV for the next run")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: as the service, by file size)"
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.households, args.seed, args.batch_size, args.relay_batch, args.keep_file, args.workers)
    )


if __name__ == "__main__":
    main()
