"""Bulk ULE import: validate each household, check uniqueness set-based, COPY a batch at a time.

The unit of acceptance is the household: a household with any bad row is rejected (every bad
row reported), every other household of the file is imported. The row key is
`registering_unit/household_key`; a household whose key is already in the registry is skipped,
so importing the same file again creates nothing and emits nothing.

Use cases (`uow` first, as every command): `start_import`, `commit_import_batch` (one batch, one
transaction), `finish_import`. `run_import` is the import process that reads the file and runs
`commit_import_batch` per batch through `Transactions`; `launch_import` runs it in the
background of the service (one import at a time per replica: `reserve_import`), and
`cancel_imports` (a background task) stops those at shutdown, marking them `interrupted`, as it
marks at start-up the imports a crash of this instance left `queued`/`running` and, while it
runs, those of any instance whose heartbeat stopped (`interrupt_stale_imports`).

Statuses: `queued` → `running` → `completed` | `failed` (with the reason) | `interrupted`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import asyncpg
from chasqui_common.application.unit_of_work import Transactions, UnitOfWork
from chasqui_common.audit import Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.bootstrap import ServiceRuntime
from chasqui_common.errors import InvalidValue, NotPermitted
from chasqui_common.values import check_text

from chasqui_registry.adapters import repository
from chasqui_registry.adapters.import_files import (
    ENCODINGS_EXPECTED,
    FileRefused,
    Format,
    ImportFile,
    ParsedHousehold,
    RowError,
    text_encoding,
)
from chasqui_registry.application.import_prepare import (
    EventTemplate,
    PreparedChunk,
    PreparedHousehold,
    keep_person_ids,
    prepare_chunk,
)
from chasqui_registry.domain import ubigeo
from chasqui_registry.domain.access import NATIONAL_PREFIX
from chasqui_registry.domain.errors import ImportBusy
from chasqui_registry.domain.text import printable

log = logging.getLogger(__name__)

DEFAULT_BATCH = 2000
MAX_WORKERS = 4
PARALLEL_FROM_BYTES = 4 << 20  # about 10,000 households of CSV
PARALLEL_FROM_CPUS = 4
INSTANCE = socket.gethostname()[:200]
"""This replica (the pod name in Kubernetes): imports record it, so a restart knows its own."""
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 300.0
"""An import `queued`/`running` whose heartbeat is this old was cut off (its replica died)."""


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


@dataclass(frozen=True)
class StartImport:
    filename: str
    format: Format
    caller: Caller


@dataclass(frozen=True)
class ImportStarted:
    import_id: str
    status: str = "queued"


@dataclass(frozen=True)
class RunImport:
    """Import `path` under the `imports` row `import_id` (see `run_import`)."""

    import_id: str
    path: Path
    format: Format
    encoding: str = "utf-8"
    batch_size: int = DEFAULT_BATCH
    workers: int | None = None  # None: by file size (`default_workers`); 0: a thread of this process


@dataclass(frozen=True)
class ImportTotals:
    """What an import has counted so far."""

    rows_read: int
    households_read: int
    imported: int
    skipped: int
    rejected: int

    @classmethod
    def of(cls, report: ImportReport) -> ImportTotals:
        return cls(report.rows_read, report.households_read, report.imported, report.skipped, report.rejected)


@dataclass(frozen=True)
class CommitImportBatch:
    """Check one prepared batch against the registry and COPY what is accepted; `before` are the
    import's totals before this batch (the batch's own rejections by the CPU stage included)."""

    import_id: str
    batch: PreparedChunk
    before: ImportTotals


@dataclass(frozen=True)
class BatchOutcome:
    imported: int
    skipped: int
    rejected: int
    errors: list[RowError]


@dataclass(frozen=True)
class FinishImport:
    import_id: str
    totals: ImportTotals
    status: str  # completed | failed | interrupted
    error: str | None


@dataclass(frozen=True)
class TouchImport:
    """The import is alive (its heartbeat)."""

    import_id: str


@dataclass(frozen=True)
class InterruptImports:
    """Mark `queued`/`running` imports `interrupted`: those of `instance` (a restart of it), or
    any whose heartbeat is older than `stale_after_seconds`; never those in `running_here`."""

    running_here: tuple[str, ...]
    instance: str | None = None
    stale_after_seconds: float | None = None
    created_before: datetime | None = None
    """Of `instance`, only imports created before this moment (the start-up of this process), so
    the start-up sweep never marks an import this process has just accepted."""


@dataclass(frozen=True)
class ImportsInterrupted:
    import_ids: tuple[str, ...]


@dataclass
class _Chunk:
    """The next households of the file, grouped and numbered by the reader (main process)."""

    groups: list[ParsedHousehold]
    rows_read: int


def _read(groups: Iterator[ParsedHousehold], source: ImportFile, size: int) -> _Chunk | None:
    chunk = list(islice(groups, size))
    return _Chunk(chunk, source.rows_read) if chunk else None


def _read_and_prepare(
    groups: Iterator[ParsedHousehold],
    source: ImportFile,
    size: int,
    template: EventTemplate,
    today: date,
    now: datetime,
) -> tuple[PreparedChunk, int] | None:
    chunk = _read(groups, source, size)
    if chunk is None:
        return None
    return prepare_chunk(chunk.groups, template, today, now), chunk.rows_read


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


async def commit_import_batch(uow: UnitOfWork, command: CommitImportBatch) -> BatchOutcome:
    """Set-based checks against the registry (row keys, documents), then COPY what is accepted,
    with its events, its row errors and the import's progress.

    Batches commit one after another in file order, so a document used by a household of an
    earlier batch is already in the registry here and is refused naming that household."""
    batch, conn = command.batch, uow.conn
    errors = list(batch.errors)
    existing = await repository.existing_import_keys(conn, [p.import_key for p in batch.prepared])
    fresh = [p for p in batch.prepared if p.import_key not in existing]
    skipped = len(batch.prepared) - len(fresh)
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
    former = await repository.former_person_ids(
        conn, list({(kind, number) for p in accepted for kind, number, _, _ in p.documents})
    )
    if former:
        accepted = [keep_person_ids(p, former) for p in accepted]
    await repository.copy_households(
        conn,
        households=[p.household for p in accepted],
        persons=[person for p in accepted for person in p.persons],
        classifications=[p.classification for p in accepted if p.classification is not None],
    )
    await uow.outbox.copy_rows(conn, [p.outbox for p in accepted])
    outcome = BatchOutcome(len(accepted), skipped, len(fresh) - len(accepted), errors)
    await repository.copy_import_errors(conn, command.import_id, [e.as_tuple() for e in errors])
    before = command.before
    await repository.record_import_progress(
        conn,
        command.import_id,
        rows_read=before.rows_read,
        households_read=before.households_read,
        imported=before.imported + outcome.imported,
        skipped=before.skipped + outcome.skipped,
        rejected=before.rejected + outcome.rejected,
    )
    return outcome


async def run_import(
    run: Transactions, command: RunImport, *, progress: Progress | None = None
) -> ImportReport:
    """Import a file under an existing `imports` row; never raises for bad content, only reports it.

    The main process reads the file (row numbers, grouping, keys repeated in the file), hands
    each batch to `command.workers` processes to validate and build records, and commits the
    batches in file order, each with `commit_import_batch` in a transaction of its own.

    Whatever goes wrong ends the import `failed` with the reason (a refused file, a database
    error); a cancellation (shutdown, Ctrl-C) ends it `interrupted` and is raised again.
    """
    report = ImportReport(command.import_id)
    heartbeat = asyncio.ensure_future(_heartbeat(run, command.import_id))
    try:
        completed = await _run_import(run, command, report, progress)
    except FileRefused as exc:
        await _finish_quietly(run, report, "failed", str(exc))
    except asyncio.CancelledError:
        await _finish_quietly(
            run, report, "interrupted", "the import was cut off by a shutdown of the service"
        )
        raise
    except Exception as exc:
        log.exception("import %s failed", command.import_id)
        await _finish_quietly(run, report, "failed", f"{type(exc).__name__}: {exc}")
    else:
        if completed:
            await _finish(run, report, "completed", None)
    finally:
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)
    return report


async def _heartbeat(run: Transactions, import_id: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        with contextlib.suppress(Exception):
            await run.command(touch_import, TouchImport(import_id))


async def _run_import(
    run: Transactions, command: RunImport, report: ImportReport, progress: Progress | None
) -> bool:
    import_id = command.import_id
    day = run.clock.today()
    source = await asyncio.to_thread(ImportFile, command.path, command.format, command.encoding)
    template = EventTemplate.of(run.outbox)
    groups = source.groups()
    batch_size = command.batch_size
    count = default_workers(source.size) if command.workers is None else command.workers
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
                        asyncio.to_thread(
                            _read_and_prepare, groups, source, batch_size, template, day, run.clock.now()
                        )
                    )
                    await asyncio.wait([future])
                    if future.result() is None:
                        break
                    await ahead.put((future, -1))
                    continue
                chunk = await asyncio.to_thread(_read, groups, source, batch_size)
                if chunk is None:
                    break
                prepared = loop.run_in_executor(
                    executor, prepare_chunk, chunk.groups, template, day, run.clock.now()
                )
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
                    outcome = await run.command(
                        commit_import_batch, CommitImportBatch(import_id, batch, ImportTotals.of(report))
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
            report.errors.extend(outcome.errors)
            if progress is not None:
                progress(source, report)
            waited = time.perf_counter()
            report.committing_seconds += waited - committing
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
    return True


async def _finish(run: Transactions, report: ImportReport, status: str, error: str | None) -> None:
    report.status = status
    report.error = error
    await run.command(finish_import, FinishImport(report.import_id, ImportTotals.of(report), status, error))


async def _finish_quietly(run: Transactions, report: ImportReport, status: str, error: str) -> None:
    """`_finish`, for when the import is already going wrong: a failure here is logged, not raised
    (the start-up and heartbeat sweeps still mark the import `interrupted`)."""
    try:
        await asyncio.wait_for(_finish(run, report, status, error), 10)
    except Exception:
        log.exception("could not record import %s as %s", report.import_id, status)


async def finish_import(uow: UnitOfWork, command: FinishImport) -> None:
    """Record an import's final counts and status (`completed`, or `failed` with the reason)."""
    totals = command.totals
    await repository.record_import_progress(
        uow.conn,
        command.import_id,
        rows_read=totals.rows_read,
        households_read=totals.households_read,
        imported=totals.imported,
        skipped=totals.skipped,
        rejected=totals.rejected,
        status=command.status,
        error=None if command.error is None else printable(command.error)[:2000],
    )


async def touch_import(uow: UnitOfWork, command: TouchImport) -> None:
    """Record that the import is still alive (its heartbeat)."""
    await repository.touch_import(uow.conn, command.import_id)


async def interrupt_imports(uow: UnitOfWork, command: InterruptImports) -> ImportsInterrupted:
    """Mark as `interrupted` the imports a crash or shutdown cut off (see `InterruptImports`)."""
    ids = await repository.interrupt_imports(
        uow.conn,
        running_here=list(command.running_here),
        instance=command.instance,
        stale_after_seconds=command.stale_after_seconds,
        created_before=command.created_before,
    )
    return ImportsInterrupted(tuple(ids))


async def start_import(uow: UnitOfWork, command: StartImport) -> ImportStarted:
    """Create the `imports` row (status `queued`) that `run_import` reports into.

    The file name is text like any other (the shared rule, at most 255 characters): InvalidValue
    on `file` otherwise."""
    check_text(command.filename, "file", max_length=255)
    if not command.caller.scope.is_national(NATIONAL_PREFIX):
        # The COPY path checks no district per household yet: a ULE's import could write outside
        # its district, so bulk imports stay with national roles until it does (docs/registry.md).
        raise NotPermitted(
            "bulk imports need a registry:national token; a ULE registers through POST /v1/households",
            field="scope",
            value=" ".join(sorted(command.caller.scope.ubigeos)) or None,
            expected="a registry:national token",
        )
    import_id = str(uuid.uuid4())
    await repository.create_import(uow.conn, import_id, command.filename, command.format, instance=INSTANCE)
    await record_access(
        uow,
        command.caller,
        Access(operation="registry.import.start", resource_type="import", resource_ids=[import_id]),
    )
    return ImportStarted(import_id)


# --- imports uploaded over HTTP: format, spooling, running in the service's background --------


def import_format(filename: str, given: str | None) -> Format:
    """The format given, else the one the file name says; InvalidValue if neither tells."""
    name = filename.lower()
    if given in ("csv", "jsonl"):
        return "csv" if given == "csv" else "jsonl"
    if given is None and name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if given is None and name.endswith(".csv"):
        return "csv"
    raise InvalidValue(
        "cannot tell the file format from its name; send format=csv or format=jsonl",
        field="format",
        value=given,
        expected="csv or jsonl",
    )


def import_encoding(encoding: str) -> str:
    """The declared encoding if it is one import files may be in; InvalidValue if not."""
    if text_encoding(encoding) is None:
        raise InvalidValue(
            f"encoding {printable(encoding[:40])!r} is not accepted for import files",
            field="encoding",
            value=printable(encoding[:100]),
            expected=ENCODINGS_EXPECTED,
        )
    return encoding


def spool_directory() -> Path:
    """A private temporary directory for one upload (removed when its import ends)."""
    return Path(tempfile.mkdtemp(prefix="registry-import-"))


_running: dict[str, asyncio.Task[Any]] = {}
_reserved: list[ImportSlot] = []


@dataclass(eq=False)
class ImportSlot:
    """This replica's one import slot, held from the upload until its import ends: `with` it,
    and it is released at the end of the block unless `launch_import` took it over."""

    released: bool = False
    launched: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            _reserved.remove(self)

    def __enter__(self) -> ImportSlot:
        return self

    def __exit__(self, *_: object) -> None:
        if not self.launched:
            self.release()


def reserve_import() -> ImportSlot:
    """Take the replica's import slot; ImportBusy if an import is already uploading or running.

    One import at a time per replica: an import keeps a database connection, the CPU and up to
    the maximum upload size of disk busy; a second one is refused (409) rather than queued
    behind it, so the client knows at once and can retry (or send it to another replica)."""
    if _reserved:
        raise ImportBusy(
            "this replica is already running an import; send the file again when it ends "
            "(GET /v1/imports/{id} shows its progress)"
        )
    slot = ImportSlot()
    _reserved.append(slot)
    return slot


def launch_import(run: Transactions, command: RunImport, slot: ImportSlot | None = None) -> None:
    """Run an uploaded file's import in the background; its spool directory and the import slot
    go when it ends."""

    async def work() -> None:
        try:
            await run_import(run, command)
        finally:
            shutil.rmtree(command.path.parent, ignore_errors=True)
            if slot is not None:
                slot.release()

    if slot is not None:
        slot.launched = True
    task = asyncio.create_task(work(), name=f"import-{command.import_id}")
    _running[command.import_id] = task
    task.add_done_callback(lambda _: _running.pop(command.import_id, None))


async def cancel_imports(rt: ServiceRuntime) -> None:
    """Background task: at start-up, mark `interrupted` the imports this instance left
    `queued`/`running` when it stopped (a crash, a kill); every minute, those of any instance
    whose heartbeat stopped; at shutdown, cancel imports still running (their batch rolls back
    and they are marked `interrupted`)."""
    try:
        sweep = InterruptImports(
            tuple(_running),
            instance=INSTANCE,
            stale_after_seconds=STALE_AFTER_SECONDS,
            created_before=rt.clock.now(),
        )
        while True:
            try:
                found = await rt.transactions.command(interrupt_imports, sweep)
                if found.import_ids:
                    log.warning(
                        "imports cut off by a crash or shutdown marked interrupted: %s", found.import_ids
                    )
            except Exception:
                log.exception("could not mark interrupted imports")
            await asyncio.sleep(60)
            sweep = InterruptImports(tuple(_running), stale_after_seconds=STALE_AFTER_SECONDS)
    finally:
        for task in list(_running.values()):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*_running.values(), return_exceptions=True)
