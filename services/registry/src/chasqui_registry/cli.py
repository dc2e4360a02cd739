"""`chasqui-registry-import FILE`: the bulk ULE import from a terminal, with a progress bar.

It runs the same use cases as `POST /v1/imports` (`start_import`, then `run_import`, which
commits batch by batch with `commit_import_batch`) through `Transactions`, on a pool of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.auth.scope import Caller
from chasqui_common.bootstrap import migrate
from chasqui_common.clock import SYSTEM_CLOCK
from chasqui_common.db.pool import create_pool
from chasqui_common.messaging.outbox import Outbox, OutboxRelay, backlog_of
from chasqui_common.messaging.sink import ProducerSink
from chasqui_common.settings import ServiceSettings
from chasqui_common.topics import ensure_topics
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from chasqui_registry.adapters.import_files import Format, ImportFile
from chasqui_registry.application import imports
from chasqui_registry.main import DEFINITION

OPERATOR = Caller.service("registry-cli", "registry", purpose="bulk import from the command line")
"""Who an import from the command line acts for: the operator with database access (national)."""


@contextlib.asynccontextmanager
async def registry_pool(settings: ServiceSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the registry schema, migrated like the service would at start."""
    schema = settings.db_schema or DEFINITION.schema
    pool = await create_pool(settings.database_url, schema=schema, min_size=1, max_size=4)
    try:
        await migrate(DEFINITION, pool, schema)
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def relay_to_kafka(pool: asyncpg.Pool, settings: ServiceSettings) -> AsyncIterator[OutboxRelay]:
    """An outbox relay in this process (as the service runs one), stopped once the outbox is empty."""
    await ensure_topics(settings.kafka_bootstrap_servers, DEFINITION.publishes)
    sink = ProducerSink(settings.kafka_bootstrap_servers)
    await sink.start()
    relay = OutboxRelay(
        pool,
        sink,
        schema=settings.db_schema or DEFINITION.schema,
        batch_size=settings.outbox_batch_size,
        poll_interval=0.2,
    )
    relay.start()
    try:
        yield relay
        await wait_for_empty_outbox(pool)
    finally:
        await relay.stop()
        await sink.stop()


async def wait_for_empty_outbox(pool: asyncpg.Pool, poll: float = 0.2) -> None:
    """Return once the relay has published every recorded event."""
    pending = 1
    while pending:
        pending, _ = await backlog_of(pool)
        await asyncio.sleep(poll if pending else 0)


async def import_file(
    path: Path,
    fmt: Format,
    *,
    encoding: str,
    batch_size: int,
    settings: ServiceSettings,
    console: Console,
    publish: bool,
) -> imports.ImportReport:
    async with registry_pool(settings) as pool:
        run = Transactions(pool, Outbox(DEFINITION.source, DEFINITION.catalogue), SYSTEM_CLOCK)
        size = (await asyncio.to_thread(path.stat)).st_size
        started = await run.command(imports.start_import, imports.StartImport(path.name, fmt, OPERATOR))
        import_id = started.import_id
        console.print(f"import [bold]{import_id}[/] of {path} ({fmt}, {encoding})")
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[summary]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("importing", total=size, summary="")

            def on_progress(source: ImportFile, report: imports.ImportReport) -> None:
                bar.update(
                    task,
                    completed=source.bytes_read,
                    summary=f"{report.imported} new · {report.skipped} skipped · {report.rejected} rejected",
                )

            async with contextlib.AsyncExitStack() as stack:
                if publish:
                    await stack.enter_async_context(relay_to_kafka(pool, settings))
                report = await imports.run_import(
                    run,
                    imports.RunImport(import_id, path, fmt, encoding=encoding, batch_size=batch_size),
                    progress=on_progress,
                )
                bar.update(task, completed=size)
                if publish:
                    bar.update(task, description="publishing events")
        return report


def _print(console: Console, report: imports.ImportReport) -> None:
    if report.status == "failed":
        console.print(f"[red]import failed:[/] {report.error}")
        return
    console.print(
        f"{report.rows_read} rows, {report.households_read} households: "
        f"[green]{report.imported} imported[/], {report.skipped} already registered (skipped), "
        f"[red]{report.rejected} rejected[/]"
    )
    if report.errors:
        table = Table("row", "household_key", "field", "value", "reason", title="Rejected rows")
        for error in report.errors[:50]:
            table.add_row(
                str(error.row), error.household_key or "", error.field, str(error.value or ""), error.reason
            )
        console.print(table)
        if len(report.errors) > 50:
            console.print(f"… and {len(report.errors) - 50} more (GET /v1/imports/{report.import_id})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="chasqui-registry-import",
        description="Import a ULE file (CSV or JSONL, see docs/registry.md) into the registry. "
        "Reads DATABASE_URL, DB_SCHEMA and KAFKA_BOOTSTRAP_SERVERS like the service.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file extension")
    parser.add_argument("--encoding", default="utf-8", help="file encoding (default utf-8; e.g. latin-1)")
    parser.add_argument(
        "--batch-size", type=int, default=imports.DEFAULT_BATCH, help="households per transaction"
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also publish the events to Kafka from this process and wait for the outbox to drain "
        "(otherwise the running registry service's relay publishes them)",
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if not args.file.is_file():
        console.print(f"[red]{args.file}: no such file[/]")
        sys.exit(2)
    fmt: Format = args.format or ("jsonl" if args.file.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(
        import_file(
            args.file,
            fmt,
            encoding=args.encoding,
            batch_size=args.batch_size,
            settings=ServiceSettings(),
            console=console,
            publish=args.publish,
        )
    )
    _print(console, report)
    sys.exit(1 if report.status == "failed" else 0)
