"""The only module that speaks SQL: households, persons, CSE history and imports (asyncpg)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.events.registry import Classification, Household, HouseholdStatus, Member
from chasqui_common.values import read_stored

from chasqui_registry.domain.errors import DocumentTaken, Violation


@dataclass(frozen=True)
class DocumentOwner:
    """The registered person holding a document, their household and its import row key."""

    household_id: str
    person_id: str
    import_key: str | None


@dataclass(frozen=True)
class ClassificationEntry:
    """One CSE assignment in a household's history."""

    level: str
    valid_from: date
    valid_until: date
    source: str
    assigned_at: datetime


@dataclass(frozen=True)
class PersonRecord:
    """A person who holds or held a document, with their household's status."""

    person_id: str
    household_id: str
    registered: bool
    household_status: HouseholdStatus
    removed_reason: str | None
    member: Member
    ubigeo: str
    """The district of the household (who may see this person: domain/access.py)."""


@dataclass(frozen=True)
class ImportRowErrorRecord:
    """A rejected row of an import, as stored."""

    row_number: int
    household_key: str | None
    field: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class ImportRecord:
    """An import's progress and its first row errors (`error_count` has the total)."""

    import_id: str
    filename: str
    format: str
    status: str
    rows_read: int
    households_read: int
    households_imported: int
    households_skipped: int
    households_rejected: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    error_count: int
    errors: tuple[ImportRowErrorRecord, ...]


@contextlib.contextmanager
def _documents_settled_by_index() -> Iterator[None]:
    """Two requests registered the same document at once: the unique index settled it."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise DocumentTaken(
            "a document in this request was registered by another household at the same moment",
            [Violation("members", None, f"documents not registered in another household ({exc.detail})")],
            existing_household_id="unknown",
        ) from None


def _member_row(household_id: str, position: int, member: Member) -> tuple[Any, ...]:
    return (
        UUID(member.person_id),
        UUID(household_id),
        position,
        member.document.type.value,
        member.document.number,
        json.dumps(member.model_dump(mode="json"), ensure_ascii=False),
    )


async def insert_household(conn: Connection, household: Household, *, import_key: str | None = None) -> None:
    """Insert a household, its members and its CSE (DocumentTaken if a document was taken meanwhile)."""
    with _documents_settled_by_index():
        await _insert_household(conn, household, import_key)


async def _insert_household(conn: Connection, household: Household, import_key: str | None) -> None:
    await conn.execute(
        """
        INSERT INTO households (household_id, ubigeo, address, residence_since, registering_unit,
                                status, classification, import_key)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
        """,
        UUID(household.household_id),
        household.ubigeo,
        household.address,
        household.residence_since,
        household.registering_unit,
        household.status.value,
        _classification_json(household.classification),
        import_key,
    )
    await conn.executemany(
        """
        INSERT INTO persons (person_id, household_id, position, document_type, document_number, data)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb)
        """,
        [_member_row(household.household_id, i, m) for i, m in enumerate(household.members)],
    )
    if household.classification is not None:
        await insert_classification(conn, household.household_id, household.classification)


def _classification_json(classification: Classification | None) -> str | None:
    return None if classification is None else json.dumps(classification.model_dump(mode="json"))


async def load_household(
    conn: Connection, household_id: str, *, for_update: bool = False
) -> Household | None:
    """The household snapshot, or None; `for_update` locks it until the transaction ends."""
    try:
        key = UUID(household_id)
    except ValueError:
        return None
    row = await conn.fetchrow(
        "SELECT * FROM households WHERE household_id = $1" + (" FOR UPDATE" if for_update else ""), key
    )
    if row is None:
        return None
    members = await conn.fetch(
        "SELECT data FROM persons WHERE household_id = $1 AND removed_at IS NULL ORDER BY position", key
    )
    # Stored rows were validated when they came in: read as stored (a value legal then, e.g. a
    # ubigeo 090708 or a phone kept as typed, never fails a read; docs/values.md).
    return read_stored(
        Household,
        {
            "household_id": str(row["household_id"]),
            "ubigeo": row["ubigeo"],
            "address": row["address"],
            "residence_since": row["residence_since"],
            "registering_unit": row["registering_unit"],
            "status": row["status"],
            "classification": json.loads(row["classification"]) if row["classification"] else None,
            "members": [json.loads(m["data"]) for m in members],
        },
    )


async def update_household_row(conn: Connection, household: Household, *, reason: str | None = None) -> None:
    await conn.execute(
        """
        UPDATE households SET ubigeo = $2, address = $3, residence_since = $4, registering_unit = $5,
               status = $6, classification = $7::jsonb,
               deregistered_reason = COALESCE($8, deregistered_reason), updated_at = now()
        WHERE household_id = $1
        """,
        UUID(household.household_id),
        household.ubigeo,
        household.address,
        household.residence_since,
        household.registering_unit,
        household.status.value,
        _classification_json(household.classification),
        reason,
    )


async def add_member(conn: Connection, household_id: str, member: Member) -> None:
    position = await conn.fetchval(
        "SELECT COALESCE(max(position) + 1, 0) FROM persons WHERE household_id = $1", UUID(household_id)
    )
    with _documents_settled_by_index():
        await conn.execute(
            """
            INSERT INTO persons (person_id, household_id, position, document_type, document_number, data)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb)
            """,
            *_member_row(household_id, position, member),
        )


async def update_member(conn: Connection, member: Member, *, household_id: str) -> None:
    with _documents_settled_by_index():
        await conn.execute(
            "UPDATE persons SET document_type = $2, document_number = $3, data = $4::jsonb "
            "WHERE person_id = $1 AND household_id = $5",
            UUID(member.person_id),
            member.document.type.value,
            member.document.number,
            json.dumps(member.model_dump(mode="json"), ensure_ascii=False),
            UUID(household_id),
        )


async def remove_member(conn: Connection, person_id: str, reason: str, *, household_id: str) -> None:
    await conn.execute(
        "UPDATE persons SET registered = false, removed_reason = $2, removed_at = now() "
        "WHERE person_id = $1 AND household_id = $3",
        UUID(person_id),
        reason,
        UUID(household_id),
    )


async def former_person_ids(
    conn: Connection, documents: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The person_id of whoever last held each (type, number) and is registered nowhere now (they
    were removed from a household, or it was deregistered): a person keeps it when they move."""
    if not documents:
        return {}
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (p.document_type, p.document_number)
               p.document_type, p.document_number, p.person_id
        FROM unnest($1::text[], $2::text[]) AS d(type, number)
        JOIN persons p ON p.document_type = d.type AND p.document_number = d.number
        WHERE NOT EXISTS (SELECT 1 FROM persons r WHERE r.person_id = p.person_id AND r.registered)
        ORDER BY p.document_type, p.document_number, p.membership_id DESC
        """,
        [t for t, _ in documents],
        [n for _, n in documents],
    )
    return {(r["document_type"], r["document_number"]): str(r["person_id"]) for r in rows}


async def rejoin_member(conn: Connection, household_id: str, member: Member) -> None:
    """Add a person to a household they belonged to before (their old row becomes current again)."""
    position = await conn.fetchval(
        "SELECT COALESCE(max(position) + 1, 0) FROM persons WHERE household_id = $1", UUID(household_id)
    )
    with _documents_settled_by_index():
        await conn.execute(
            """
            UPDATE persons SET position = $3, document_type = $4, document_number = $5, data = $6::jsonb,
                   registered = true, removed_reason = NULL, removed_at = NULL
            WHERE person_id = $1 AND household_id = $2
            """,
            *_member_row(household_id, position, member),
        )


async def has_membership(conn: Connection, household_id: str, person_id: str) -> bool:
    """Whether the person has a row (current or removed) in the household."""
    found = await conn.fetchval(
        "SELECT 1 FROM persons WHERE household_id = $1 AND person_id = $2",
        UUID(household_id),
        UUID(person_id),
    )
    return found is not None


async def unregister_members(conn: Connection, household_id: str) -> None:
    """A deregistered household's members are no longer registered: their documents are free."""
    await conn.execute("UPDATE persons SET registered = false WHERE household_id = $1", UUID(household_id))


async def insert_classification(conn: Connection, household_id: str, classification: Classification) -> None:
    await conn.execute(
        "INSERT INTO classifications (household_id, level, valid_from, valid_until, source) "
        "VALUES ($1, $2, $3, $4, $5)",
        UUID(household_id),
        classification.level.value,
        classification.valid_from,
        classification.valid_until,
        classification.source,
    )


async def classification_history(conn: Connection, household_id: str) -> list[ClassificationEntry]:
    rows = await conn.fetch(
        "SELECT level, valid_from, valid_until, source, assigned_at FROM classifications "
        "WHERE household_id = $1 ORDER BY id",
        UUID(household_id),
    )
    return [ClassificationEntry(**dict(row)) for row in rows]


async def document_owners(
    conn: Connection, documents: Sequence[tuple[str, str]], *, excluding_household: str | None = None
) -> dict[tuple[str, str], DocumentOwner]:
    """Which registered person holds each (type, number); one set-based query for any number."""
    if not documents:
        return {}
    rows = await conn.fetch(
        """
        SELECT p.document_type, p.document_number, p.household_id, p.person_id, h.import_key
        FROM unnest($1::text[], $2::text[]) AS d(type, number)
        JOIN persons p ON p.registered AND p.document_type = d.type AND p.document_number = d.number
        JOIN households h ON h.household_id = p.household_id
        WHERE $3::uuid IS NULL OR p.household_id <> $3::uuid
        """,
        [t for t, _ in documents],
        [n for _, n in documents],
        UUID(excluding_household) if excluding_household else None,
    )
    return {
        (r["document_type"], r["document_number"]): DocumentOwner(
            str(r["household_id"]), str(r["person_id"]), r["import_key"]
        )
        for r in rows
    }


async def find_persons(conn: Connection, document_type: str, document_number: str) -> list[PersonRecord]:
    """Every person (registered first) that has held this document, with their household."""
    rows = await conn.fetch(
        """
        SELECT p.person_id, p.household_id, p.registered, p.removed_reason, p.data, h.status, h.ubigeo
        FROM persons p JOIN households h USING (household_id)
        WHERE p.document_type = $1 AND p.document_number = $2
        ORDER BY p.registered DESC, h.created_at DESC
        """,
        document_type,
        document_number,
    )
    return [
        PersonRecord(
            person_id=str(r["person_id"]),
            household_id=str(r["household_id"]),
            registered=r["registered"],
            household_status=HouseholdStatus(r["status"]),
            removed_reason=r["removed_reason"],
            member=read_stored(Member, r["data"]),
            ubigeo=r["ubigeo"],
        )
        for r in rows
    ]


# --- bulk import -------------------------------------------------------------------------


async def existing_import_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT import_key FROM households WHERE import_key = ANY($1::text[])", list(keys)
    )
    return {r["import_key"] for r in rows}


_HOUSEHOLD_COLUMNS = [
    "household_id",
    "ubigeo",
    "address",
    "residence_since",
    "registering_unit",
    "status",
    "classification",
    "import_key",
]
_PERSON_COLUMNS = ["person_id", "household_id", "position", "document_type", "document_number", "data"]
_CLASSIFICATION_COLUMNS = ["household_id", "level", "valid_from", "valid_until", "source"]


async def copy_households(
    conn: Connection,
    *,
    households: Sequence[tuple[Any, ...]],
    persons: Sequence[tuple[Any, ...]],
    classifications: Sequence[tuple[Any, ...]],
) -> None:
    """Households, persons and CSE history (records in the column orders above, built by
    `application.import_prepare`), each with one binary COPY. Their events are recorded with
    `Outbox.copy_rows` in the same transaction."""
    if households:
        await conn.copy_records_to_table("households", columns=_HOUSEHOLD_COLUMNS, records=households)
    if persons:
        await conn.copy_records_to_table("persons", columns=_PERSON_COLUMNS, records=persons)
    if classifications:
        await conn.copy_records_to_table(
            "classifications", columns=_CLASSIFICATION_COLUMNS, records=classifications
        )


async def create_import(
    conn: Connection, import_id: str, filename: str, fmt: str, *, instance: str | None = None
) -> None:
    await conn.execute(
        "INSERT INTO imports (import_id, filename, format, instance) VALUES ($1, $2, $3, $4)",
        UUID(import_id),
        filename,
        fmt,
        instance,
    )


async def touch_import(conn: Connection, import_id: str) -> None:
    await conn.execute("UPDATE imports SET heartbeat_at = now() WHERE import_id = $1", UUID(import_id))


async def interrupt_imports(
    conn: Connection,
    *,
    running_here: Sequence[str],
    instance: str | None,
    stale_after_seconds: float | None,
    created_before: datetime | None = None,
) -> list[str]:
    """Mark `queued`/`running` imports `interrupted` (those of `instance` created before
    `created_before`, or any whose heartbeat is older than `stale_after_seconds`), except
    `running_here`; their ids."""
    rows = await conn.fetch(
        """
        UPDATE imports SET status = 'interrupted', finished_at = now(),
               error = CASE WHEN instance = $2
                            THEN 'cut off: the service instance ' || instance || ' stopped while it ran'
                            ELSE 'cut off: no sign of life from the service instance running it since '
                                 || heartbeat_at::text END
        WHERE status IN ('queued', 'running')
          AND NOT (import_id = ANY($1::uuid[]))
          AND ((instance = $2 AND ($4::timestamptz IS NULL OR created_at < $4))
               OR heartbeat_at < now() - make_interval(secs => $3))
        RETURNING import_id
        """,
        [UUID(i) for i in running_here],
        instance,
        stale_after_seconds,
        created_before,
    )
    return [str(r["import_id"]) for r in rows]


async def record_import_progress(
    conn: Connection,
    import_id: str,
    *,
    rows_read: int,
    households_read: int,
    imported: int,
    skipped: int,
    rejected: int,
    status: str = "running",
    error: str | None = None,
) -> None:
    await conn.execute(
        """
        UPDATE imports SET rows_read = $2, households_read = $3, households_imported = $4,
               households_skipped = $5, households_rejected = $6, status = $7, error = $8,
               finished_at = CASE WHEN $7 IN ('completed', 'failed', 'interrupted') THEN now() END,
               heartbeat_at = now()
        WHERE import_id = $1
        """,
        UUID(import_id),
        rows_read,
        households_read,
        imported,
        skipped,
        rejected,
        status,
        error,
    )


async def copy_import_errors(conn: Connection, import_id: str, errors: Sequence[tuple[Any, ...]]) -> None:
    """`errors`: (row_number, household_key, field, value, reason) tuples."""
    if errors:
        key = UUID(import_id)
        await conn.copy_records_to_table(
            "import_errors",
            columns=["import_id", "row_number", "household_key", "field", "value", "reason"],
            records=[(key, *error) for error in errors],
        )


async def load_import(conn: Connection, import_id: str, *, error_limit: int = 1000) -> ImportRecord | None:
    try:
        key = UUID(import_id)
    except ValueError:
        return None
    row = await conn.fetchrow(
        "SELECT import_id, filename, format, status, rows_read, households_read, households_imported, "
        "households_skipped, households_rejected, error, created_at, finished_at FROM imports "
        "WHERE import_id = $1",
        key,
    )
    if row is None:
        return None
    errors = await conn.fetch(
        "SELECT row_number, household_key, field, value, reason FROM import_errors "
        "WHERE import_id = $1 ORDER BY row_number, field LIMIT $2",
        key,
        error_limit,
    )
    error_count = await conn.fetchval("SELECT count(*) FROM import_errors WHERE import_id = $1", key)
    return ImportRecord(
        **{**dict(row), "import_id": str(row["import_id"])},
        error_count=error_count,
        errors=tuple(ImportRowErrorRecord(**dict(e)) for e in errors),
    )
