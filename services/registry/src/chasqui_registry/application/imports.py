"""Bulk ULE import: validate each household, check uniqueness set-based, COPY a batch at a time.

The unit of acceptance is the household: a household with any bad row is rejected (every bad
row reported), every other household of the file is imported. The row key is
`registering_unit/household_key`; a household whose key is already in the registry is skipped,
so importing the same file again creates nothing and emits nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.events.catalogue import CATALOGUE
from chasqui_common.events.registry import HouseholdRegistered
from chasqui_common.messaging.outbox import Outbox

from chasqui_registry.adapters import repository
from chasqui_registry.adapters.import_files import FileRefused, Format, ImportFile, ParsedHousehold, RowError
from chasqui_registry.domain import household as rules

log = logging.getLogger(__name__)

DEFAULT_BATCH = 2000
_TOPIC = CATALOGUE.spec_for(HouseholdRegistered).topic.name


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


Progress = Callable[[ImportFile, ImportReport], None]


def _validate(batch: list[ParsedHousehold], today: date) -> tuple[list[ParsedHousehold], list[RowError]]:
    """The domain rules of each household; a household breaking any is rejected with every reason."""
    good: list[ParsedHousehold] = []
    errors: list[RowError] = []
    for parsed in batch:
        if parsed.draft is not None and not parsed.errors:
            for violation in rules.household_violations(parsed.draft, today):
                row, column = parsed.locate(violation.field)
                parsed.errors.append(
                    RowError(row, parsed.household_key, column, violation.value, violation.expected)
                )
        if parsed.errors or parsed.draft is None:
            errors.extend(parsed.errors)
        else:
            good.append(parsed)
    return good, errors


@dataclass
class _Prepared:
    """A household that passed every rule that needs no database, with its COPY records ready."""

    parsed: ParsedHousehold
    documents: list[tuple[tuple[str, str], int]]  # (type, canonical number), member index
    rows: repository.ImportedHousehold


@dataclass
class _Batch:
    households: int
    rows_read: int
    prepared: list[_Prepared]
    errors: list[RowError]
    rejected: int


def _prepare(
    households: Iterator[ParsedHousehold], source: ImportFile, size: int, outbox: Outbox, today: date
) -> _Batch | None:
    """Read, validate and build the next batch: all the CPU work, run in a thread so that it
    overlaps with the database committing the previous batch."""
    batch = list(islice(households, size))
    if not batch:
        return None
    good, errors = _validate(batch, today)
    prepared = []
    for parsed in good:
        assert parsed.draft is not None
        household = rules.build_household(parsed.draft, household_id=_new_id(), new_id=_new_id)
        documents = [
            ((m.document.type.value, m.document.number), index)
            for index, m in enumerate(household.members)
            if m.document.number is not None
        ]
        event = HouseholdRegistered(household_id=household.household_id, household=household)
        rows = repository.ImportedHousehold.of(household, parsed.import_key, outbox.envelope(event), _TOPIC)
        prepared.append(_Prepared(parsed, documents, rows))
    return _Batch(
        households=sum(1 for p in batch if p.household_key),
        rows_read=source.rows_read,
        prepared=prepared,
        errors=errors,
        rejected=len(batch) - len(good),
    )


async def _commit(conn: Connection, batch: _Batch, report: ImportReport) -> list[RowError]:
    """Set-based checks against the registry (row keys, documents), then COPY what is accepted."""
    errors = list(batch.errors)
    existing = await repository.existing_import_keys(conn, [p.parsed.import_key for p in batch.prepared])
    fresh = [p for p in batch.prepared if p.parsed.import_key not in existing]
    report.skipped += len(batch.prepared) - len(fresh)
    owners = await repository.document_owners(conn, list({doc for p in fresh for doc, _ in p.documents}))
    accepted: list[repository.ImportedHousehold] = []
    claimed: dict[tuple[str, str], str] = {}  # documents taken by earlier households of this batch
    for item in fresh:
        parsed = item.parsed
        refused = []
        for doc, index in item.documents:
            owner = owners.get(doc)
            if owner is not None:
                holder = f"registered household {owner.household_id}" + (
                    f" (row key {owner.import_key})" if owner.import_key else ""
                )
            elif doc in claimed:
                holder = f"household {claimed[doc]} earlier in this file"
            else:
                continue
            row, column = parsed.locate(f"members.{index}.document.number")
            refused.append(
                RowError(
                    row,
                    parsed.household_key,
                    column,
                    doc[1],
                    f"a {doc[0]} not held by a registered person of another household; {holder} has it",
                )
            )
        if refused:
            errors.extend(refused)
            continue
        for doc, _ in item.documents:
            claimed[doc] = parsed.household_key
        accepted.append(item.rows)
    await repository.copy_households(conn, accepted)
    report.imported += len(accepted)
    report.rejected += len(fresh) - len(accepted)
    return errors


def _new_id() -> str:
    return str(uuid.uuid4())


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
) -> ImportReport:
    """Import `path` under an existing `imports` row; never raises for bad content, only reports it."""
    report = ImportReport(import_id)
    day = today or date.today()
    try:
        source = await asyncio.to_thread(ImportFile, path, fmt, encoding)
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    households = source.households()
    try:
        upcoming = asyncio.ensure_future(
            asyncio.to_thread(_prepare, households, source, batch_size, outbox, day)
        )
        while (batch := await upcoming) is not None:
            upcoming = asyncio.ensure_future(
                asyncio.to_thread(_prepare, households, source, batch_size, outbox, day)
            )
            report.households_read += batch.households
            report.rejected += batch.rejected
            report.rows_read = batch.rows_read
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
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    except BaseException as exc:
        upcoming.cancel()
        if isinstance(exc, Exception):
            log.exception("import %s failed", import_id)
            await _finish(pool, report, "failed", f"{type(exc).__name__}: {exc}")
        raise
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
