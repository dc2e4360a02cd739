"""Bulk ULE import: validate each household, check uniqueness set-based, COPY a batch at a time.

The unit of acceptance is the household: a household with any bad row is rejected (every bad
row reported), every other household of the file is imported. The row key is
`registering_unit/household_key`; a household whose key is already in the registry is skipped,
so importing the same file again creates nothing and emits nothing.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.messaging.outbox import Outbox

from chasqui_registry.adapters import repository
from chasqui_registry.adapters.import_files import FileRefused, Format, ImportFile, ParsedHousehold, RowError
from chasqui_registry.application.import_prepare import (
    EventTemplate,
    PreparedChunk,
    PreparedHousehold,
    prepare_chunk,
)
from chasqui_registry.domain import ubigeo

log = logging.getLogger(__name__)

DEFAULT_BATCH = 2000
MAX_WORKERS = 4
PARALLEL_FROM_BYTES = 4 << 20  # about 10,000 households of CSV
PARALLEL_FROM_CPUS = 4


@dataclass
class ImportReport:
    import_id: str
    rows_read: int = 0
    households_read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    status: str = "running"
    error: str | None = None
    # Where the wall-clock time went: waiting for the next batch to be read and validated, and
    # checking and committing batches (the database). For benchmarks and logs.
    waiting_seconds: float = 0.0
    committing_seconds: float = 0.0


Progress = Callable[[ImportFile, ImportReport], None]


@dataclass
class _Chunk:
    """The next households of the file, grouped and numbered by the reader (main process)."""

    groups: list[ParsedHousehold]
    rows_read: int


def _read(groups: Iterator[ParsedHousehold], source: ImportFile, size: int) -> _Chunk | None:
    chunk = list(islice(groups, size))
    return _Chunk(chunk, source.rows_read) if chunk else None


def _read_and_prepare(
    groups: Iterator[ParsedHousehold], source: ImportFile, size: int, template: EventTemplate, today: date
) -> tuple[PreparedChunk, int] | None:
    chunk = _read(groups, source, size)
    if chunk is None:
        return None
    return prepare_chunk(chunk.groups, template, today), chunk.rows_read


def default_workers(size: int, cpus: int | None = None) -> int:
    """Worker processes for a file of `size` bytes.

    None for small files (starting a process costs more than it saves), and none on a machine
    of fewer than `PARALLEL_FROM_CPUS` cores: handing a household to a worker and its records
    back (pickling both ways) costs about as much CPU as validating it, which only pays where
    there are cores to spare beside the database, the broker and the relay. Else one per core
    beyond two, at most `MAX_WORKERS`."""
    cpus = cpus or os.cpu_count() or 1
    if size < PARALLEL_FROM_BYTES or cpus < PARALLEL_FROM_CPUS:
        return 0
    return min(MAX_WORKERS, cpus - 2)


def _worker_init() -> None:
    # Load what prepare_chunk needs before the first chunk arrives.
    ubigeo.is_known("150101")


async def _commit(conn: Connection, batch: PreparedChunk, report: ImportReport) -> list[RowError]:
    """Set-based checks against the registry (row keys, documents), then COPY what is accepted.

    Batches commit one after another in file order, so a document used by a household of an
    earlier batch is already in the registry here and is refused naming that household."""
    errors = list(batch.errors)
    existing = await repository.existing_import_keys(conn, [p.import_key for p in batch.prepared])
    fresh = [p for p in batch.prepared if p.import_key not in existing]
    report.skipped += len(batch.prepared) - len(fresh)
    owners = await repository.document_owners(
        conn, list({(kind, number) for p in fresh for kind, number, _, _ in p.documents})
    )
    accepted: list[PreparedHousehold] = []
    claimed: dict[tuple[str, str], str] = {}  # documents taken by earlier households of this batch
    for item in fresh:
        refused = []
        for kind, number, row, column in item.documents:
            doc = (kind, number)
            owner = owners.get(doc)
            if owner is not None:
                holder = f"registered household {owner.household_id}" + (
                    f" (row key {owner.import_key})" if owner.import_key else ""
                )
            elif doc in claimed:
                holder = f"household {claimed[doc]} earlier in this file"
            else:
                continue
            refused.append(
                RowError(
                    row,
                    item.household_key,
                    column,
                    number,
                    f"a {kind} not held by a registered person of another household; {holder} has it",
                )
            )
        if refused:
            errors.extend(refused)
            continue
        for kind, number, _, _ in item.documents:
            claimed[(kind, number)] = item.household_key
        accepted.append(item)
    await repository.copy_households(
        conn,
        households=[p.household for p in accepted],
        persons=[person for p in accepted for person in p.persons],
        classifications=[p.classification for p in accepted if p.classification is not None],
        outbox=[p.outbox for p in accepted],
    )
    report.imported += len(accepted)
    report.rejected += len(fresh) - len(accepted)
    return errors


async def run_import(
    pool: asyncpg.Pool,
    outbox: Outbox,
    import_id: str,
    path: Path,
    fmt: Format,
    *,
    encoding: str = "utf-8",
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import `path` under an existing `imports` row; never raises for bad content, only reports it.

    The main process reads the file (row numbers, grouping, keys repeated in the file), hands
    each batch to `workers` processes to validate and build records (`None`: by file size;
    0: a thread of this process), and commits the batches in file order.
    """
    report = ImportReport(import_id)
    day = today or date.today()
    try:
        source = await asyncio.to_thread(ImportFile, path, fmt, encoding)
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    template = EventTemplate.of(outbox)
    groups = source.groups()
    count = default_workers(source.size) if workers is None else workers
    executor = (
        ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init)
        if count > 0
        else None
    )
    loop = asyncio.get_running_loop()
    # Batches being prepared ahead of the one committing: enough to keep every worker busy.
    ahead: asyncio.Queue[tuple[asyncio.Future[Any], int] | BaseException | None] = asyncio.Queue(
        maxsize=max(1, count)
    )

    async def feed() -> None:
        try:
            while True:
                if executor is None:
                    future = asyncio.ensure_future(
                        asyncio.to_thread(_read_and_prepare, groups, source, batch_size, template, day)
                    )
                    await asyncio.wait([future])
                    if future.result() is None:
                        break
                    await ahead.put((future, -1))
                    continue
                chunk = await asyncio.to_thread(_read, groups, source, batch_size)
                if chunk is None:
                    break
                prepared = loop.run_in_executor(executor, prepare_chunk, chunk.groups, template, day)
                await ahead.put((prepared, chunk.rows_read))
            await ahead.put(None)
        except Exception as exc:  # FileRefused (header), or a broken file: the committer decides
            await ahead.put(exc)

    feeder = asyncio.ensure_future(feed())
    waited = time.perf_counter()
    try:
        while (item := await ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            future, rows_read = item
            result = await future
            report.waiting_seconds += time.perf_counter() - waited
            if rows_read < 0:
                batch, rows_read = result
            else:
                batch = result
            report.households_read += batch.households
            report.rejected += batch.rejected
            report.rows_read = rows_read
            committing = time.perf_counter()
            for attempt in range(3):
                try:
                    async with pool.acquire() as conn, conn.transaction():
                        outcome = ImportReport(import_id)
                        errors = await _commit(conn, batch, outcome)
                        await repository.copy_import_errors(conn, import_id, [e.as_tuple() for e in errors])
                        await repository.record_import_progress(
                            conn,
                            import_id,
                            rows_read=report.rows_read,
                            households_read=report.households_read,
                            imported=report.imported + outcome.imported,
                            skipped=report.skipped + outcome.skipped,
                            rejected=report.rejected + outcome.rejected,
                        )
                    break
                except asyncpg.UniqueViolationError:
                    # Another import committed the same row key or document meanwhile: redo the
                    # batch, whose checks now see it.
                    if attempt == 2:
                        raise
            report.imported += outcome.imported
            report.skipped += outcome.skipped
            report.rejected += outcome.rejected
            report.errors.extend(errors)
            if progress is not None:
                progress(source, report)
            waited = time.perf_counter()
            report.committing_seconds += waited - committing
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    except BaseException as exc:
        if isinstance(exc, Exception):
            log.exception("import %s failed", import_id)
            await _finish(pool, report, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        feeder.cancel()
        while not ahead.empty():
            pending = ahead.get_nowait()
            if isinstance(pending, tuple):
                pending[0].cancel()
        await asyncio.gather(feeder, return_exceptions=True)
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
    report.rows_read = source.rows_read
    await _finish(pool, report, "completed", None)
    return report


async def _finish(pool: asyncpg.Pool, report: ImportReport, status: str, error: str | None) -> None:
    report.status = status
    report.error = error
    async with pool.acquire() as conn:
        await repository.record_import_progress(
            conn,
            report.import_id,
            rows_read=report.rows_read,
            households_read=report.households_read,
            imported=report.imported,
            skipped=report.skipped,
            rejected=report.rejected,
            status=status,
            error=error,
        )


async def start_import(pool: asyncpg.Pool, filename: str, fmt: Format) -> str:
    import_id = str(uuid.uuid4())
    async with pool.acquire() as conn:
        await repository.create_import(conn, import_id, filename, fmt)
    return import_id
