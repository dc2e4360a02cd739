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
from collections.abc import Callable, Iterable, Iterator
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


def _chunks(items: Iterable[ParsedHousehold], size: int) -> Iterator[list[ParsedHousehold]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _validate(batch: list[ParsedHousehold], today: date) -> tuple[list[ParsedHousehold], list[RowError]]:
    """Domain rules per household, then documents repeated across households of the batch."""
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


async def _import_batch(
    conn: Connection,
    outbox: Outbox,
    report: ImportReport,
    good: list[ParsedHousehold],
    errors: list[RowError],
) -> None:
    existing = await repository.existing_import_keys(conn, [p.import_key for p in good])
    fresh = [p for p in good if p.import_key not in existing]
    report.skipped += len(good) - len(fresh)
    built = []
    for parsed in fresh:
        assert parsed.draft is not None
        household = rules.build_household(parsed.draft, household_id=str(uuid.uuid4()), new_id=_new_id)
        documents = [
            ((m.document.type.value, m.document.number), index)
            for index, m in enumerate(household.members)
            if m.document.number is not None
        ]
        built.append((parsed, household, documents))
    owners = await repository.document_owners(conn, list({doc for _, _, docs in built for doc, _ in docs}))
    accepted: list[repository.ImportedHousehold] = []
    claimed: dict[tuple[str, str], str] = {}  # documents taken by earlier households of this batch
    for parsed, household, documents in built:
        refused = []
        for doc, index in documents:
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
        for doc, _ in documents:
            claimed[doc] = parsed.household_key
        event = HouseholdRegistered(household_id=household.household_id, household=household)
        accepted.append(
            repository.ImportedHousehold(household, parsed.import_key, outbox.envelope(event), _TOPIC)
        )
    await repository.copy_households(conn, accepted)
    report.imported += len(accepted)
    report.rejected += len(fresh) - len(accepted)


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
        source = ImportFile(path, fmt, encoding)
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    try:
        for batch in _chunks(source.households(), batch_size):
            report.households_read += sum(1 for p in batch if p.household_key)
            good, errors = _validate(batch, day)
            report.rejected += len(batch) - len(good)
            for attempt in range(3):
                try:
                    async with pool.acquire() as conn, conn.transaction():
                        attempt_report = ImportReport(import_id)
                        attempt_errors = list(errors)
                        await _import_batch(conn, outbox, attempt_report, good, attempt_errors)
                        report.rows_read = source.rows_read
                        await repository.copy_import_errors(
                            conn, import_id, [e.as_tuple() for e in attempt_errors]
                        )
                        await repository.record_import_progress(
                            conn,
                            import_id,
                            rows_read=report.rows_read,
                            households_read=report.households_read,
                            imported=report.imported + attempt_report.imported,
                            skipped=report.skipped + attempt_report.skipped,
                            rejected=report.rejected + attempt_report.rejected,
                        )
                    break
                except asyncpg.UniqueViolationError:
                    # Another import committed the same row key or document meanwhile: redo the
                    # batch, whose checks now see it.
                    if attempt == 2:
                        raise
            report.imported += attempt_report.imported
            report.skipped += attempt_report.skipped
            report.rejected += attempt_report.rejected
            report.errors.extend(attempt_errors)
            if progress is not None:
                progress(source, report)
            await asyncio.sleep(0)  # let the API and the relay breathe between batches
    except FileRefused as exc:
        await _finish(pool, report, "failed", str(exc))
        return report
    except Exception as exc:
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
