"""The only module that speaks SQL: attention points, migrants, cases, slots, referrals, expiry alerts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row
from chasqui_common.events.migrants import CaseService, ReferralTarget
from chasqui_common.events.registry import DocumentType

from chasqui_migrant_services.domain.appointments import Appointment, SlotDay
from chasqui_migrant_services.domain.attention_points import (
    AttentionPoint,
    format_opening_hours,
    parse_opening_hours,
)
from chasqui_migrant_services.domain.cases import Case, CaseStatus, HistoryEntry, Referral
from chasqui_migrant_services.domain.migrants import WATCHED_DOCUMENTS, Document, Migrant

# ---------------------------------------------------------------- attention points


async def list_points(conn: Connection) -> list[AttentionPoint]:
    rows = await conn.fetch("SELECT * FROM attention_points ORDER BY code")
    capacities = await _capacities(conn, None)
    return [_point(row, capacities.get(row["code"], {})) for row in rows]


async def get_point(conn: Connection, code: str) -> AttentionPoint | None:
    row = await conn.fetchrow("SELECT * FROM attention_points WHERE code = $1", code)
    if row is None:
        return None
    capacities = await _capacities(conn, code)
    return _point(row, capacities.get(code, {}))


async def insert_point(conn: Connection, point: AttentionPoint) -> bool:
    """False if the code is taken."""
    status = await conn.execute(
        """
        INSERT INTO attention_points (code, name, ubigeo, address, opening_hours, active)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (code) DO NOTHING
        """,
        point.code,
        point.name,
        point.ubigeo,
        point.address,
        json.dumps(format_opening_hours(point.opening_hours)),
        point.active,
    )
    if status.endswith(" 0"):
        return False
    for service, capacity in point.daily_capacity.items():
        await set_capacity(conn, point.code, service, capacity)
    return True


async def set_capacity(
    conn: Connection, code: str, service: CaseService, capacity: int, today: date | None = None
) -> None:
    """Set a service's daily capacity; booked days from `today` on keep the larger of it and their bookings.

    Without `today` (a new attention point has no booked days) the database's current date is used.
    """
    await conn.execute(
        """
        INSERT INTO service_capacity (attention_point, service, daily_capacity) VALUES ($1, $2, $3)
        ON CONFLICT (attention_point, service) DO UPDATE SET daily_capacity = EXCLUDED.daily_capacity
        """,
        code,
        service.value,
        capacity,
    )
    await conn.execute(
        """
        UPDATE slot_days SET capacity = GREATEST($3, booked)
        WHERE attention_point = $1 AND service = $2 AND day >= coalesce($4::date, CURRENT_DATE)
        """,
        code,
        service.value,
        capacity,
        today,
    )


async def _capacities(conn: Connection, code: str | None) -> dict[str, dict[CaseService, int]]:
    rows = await conn.fetch(
        "SELECT * FROM service_capacity WHERE $1::text IS NULL OR attention_point = $1", code
    )
    result: dict[str, dict[CaseService, int]] = {}
    for row in rows:
        result.setdefault(row["attention_point"], {})[CaseService(row["service"])] = row["daily_capacity"]
    return result


def _point(row: asyncpg.Record, capacity: dict[CaseService, int]) -> AttentionPoint:
    hours = row["opening_hours"]
    raw = json.loads(hours) if isinstance(hours, str) else hours
    ordered = {service: capacity[service] for service in CaseService if service in capacity}
    return from_row(AttentionPoint, row, opening_hours=parse_opening_hours(raw), daily_capacity=ordered)


# ---------------------------------------------------------------- slots


async def slot_days(
    conn: Connection, code: str, start: date, end: date, service: CaseService | None = None
) -> dict[tuple[CaseService, date], SlotDay]:
    """Days that already have bookings (days absent here have nothing booked)."""
    rows = await conn.fetch(
        """
        SELECT * FROM slot_days
        WHERE attention_point = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR service = $4)
        """,
        code,
        start,
        end,
        service.value if service else None,
    )
    days = [from_row(SlotDay, r) for r in rows]
    return {(d.service, d.day): d for d in days}


async def take_slot(
    conn: Connection, code: str, service: CaseService, day: date, capacity: int
) -> int | None:
    """Book one slot atomically; the new booked count, or None when the day is full.

    The conditional UPDATE takes the row lock; a concurrent booker waits for it and then
    re-checks `booked < capacity` against the committed value, so the last slot goes to one.
    """
    await conn.execute(
        """
        INSERT INTO slot_days (attention_point, service, day, capacity) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
        """,
        code,
        service.value,
        day,
        capacity,
    )
    booked: int | None = await conn.fetchval(
        """
        UPDATE slot_days SET booked = booked + 1
        WHERE attention_point = $1 AND service = $2 AND day = $3 AND booked < capacity
        RETURNING booked
        """,
        code,
        service.value,
        day,
    )
    return booked


async def slot_day(conn: Connection, code: str, service: CaseService, day: date) -> SlotDay | None:
    r = await conn.fetchrow(
        "SELECT * FROM slot_days WHERE attention_point = $1 AND service = $2 AND day = $3",
        code,
        service.value,
        day,
    )
    return SlotDay(code, service, day, r["capacity"], r["booked"]) if r else None


async def release_slot(conn: Connection, code: str, service: CaseService, day: date) -> None:
    await conn.execute(
        """
        UPDATE slot_days SET booked = booked - 1
        WHERE attention_point = $1 AND service = $2 AND day = $3 AND booked > 0
        """,
        code,
        service.value,
        day,
    )


# ---------------------------------------------------------------- migrants


async def insert_migrant(conn: Connection, m: Migrant) -> None:
    await conn.execute(
        """
        INSERT INTO migrants (id, attention_point, given_names, paternal_surname, maternal_surname,
            birth_date, sex, nationality, entry_date, phone, email, consent_sms, consent_email,
            consent_whatsapp, occupations, skills, registered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        """,
        uuid.UUID(m.migrant_id),
        m.attention_point,
        m.given_names,
        m.paternal_surname,
        m.maternal_surname,
        m.birth_date,
        m.sex.value if m.sex else None,
        m.nationality,
        m.entry_date,
        m.phone,
        m.email,
        m.consent_sms,
        m.consent_email,
        m.consent_whatsapp,
        list(m.occupations),
        list(m.skills),
        m.registered_at,
    )
    for doc in m.documents:
        await upsert_document(conn, m.migrant_id, doc)


async def document_owner(conn: Connection, type_: DocumentType, number: str) -> str | None:
    owner = await conn.fetchval(
        "SELECT migrant_id FROM migrant_documents WHERE type = $1 AND number = $2", type_.value, number
    )
    return str(owner) if owner else None


async def upsert_document(conn: Connection, migrant_id: str, doc: Document) -> None:
    """Add a document, or renew the person's document of that type (new number and/or expiry)."""
    await conn.execute(
        """
        INSERT INTO migrant_documents (id, migrant_id, type, number, expires_on) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (migrant_id, type) DO UPDATE SET number = EXCLUDED.number,
            expires_on = EXCLUDED.expires_on
        """,
        uuid.UUID(doc.document_id) if doc.document_id else uuid.uuid4(),
        uuid.UUID(migrant_id),
        doc.type.value,
        doc.number,
        doc.expires_on,
    )


async def get_migrant(conn: Connection, migrant_id: str) -> Migrant | None:
    row = await conn.fetchrow("SELECT * FROM migrants WHERE id = $1", _uuid(migrant_id))
    if row is None:
        return None
    docs = await conn.fetch("SELECT * FROM migrant_documents WHERE migrant_id = $1 ORDER BY type", row["id"])
    return _migrant(row, docs)


async def find_migrants(conn: Connection, document_type: DocumentType, number: str) -> list[Migrant]:
    owner = await document_owner(conn, document_type, number)
    found = await get_migrant(conn, owner) if owner else None
    return [found] if found else []


async def documents_of(conn: Connection, migrant_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(type, number) of every document of these people (for the access record)."""
    rows = await conn.fetch(
        "SELECT type, number FROM migrant_documents WHERE migrant_id = ANY($1::uuid[]) ORDER BY type, number",
        [uuid.UUID(m) for m in migrant_ids],
    )
    return [(r["type"], r["number"]) for r in rows]


def _migrant(row: asyncpg.Record, docs: list[asyncpg.Record]) -> Migrant:
    return from_row(
        Migrant,
        row,
        migrant_id=str(row["id"]),
        documents=tuple(from_row(Document, d, document_id=str(d["id"])) for d in docs),
    )


def _uuid(value: str) -> uuid.UUID | None:
    """For a lookup by id only: an id that is not a UUID finds nothing. Filters use `_filter`."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _filter(value: str | None) -> uuid.UUID | None:
    """An optional id filter: None when absent; an id that is not a UUID raises (ValueError)
    rather than dropping the filter, which would list everything (the API refuses it first)."""
    return None if value is None else uuid.UUID(value)


# ---------------------------------------------------------------- cases


async def insert_case(conn: Connection, case: Case) -> None:
    await conn.execute(
        """
        INSERT INTO cases (id, migrant_id, attention_point, status, requested_services, opened_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        uuid.UUID(case.case_id),
        uuid.UUID(case.migrant_id),
        case.attention_point,
        case.status.value,
        [s.value for s in case.requested_services],
        case.opened_at,
    )
    for entry in case.history:
        await insert_history(conn, case.case_id, entry)


async def get_case(conn: Connection, case_id: str, *, for_update: bool = False) -> Case | None:
    """The case with its history; `for_update` locks it so concurrent moves apply one after another."""
    key = _uuid(case_id)
    if key is None:
        return None
    row = await conn.fetchrow(
        "SELECT * FROM cases WHERE id = $1" + (" FOR UPDATE" if for_update else ""), key
    )
    if row is None:
        return None
    history = await conn.fetch("SELECT * FROM case_history WHERE case_id = $1 ORDER BY id", key)
    return _case(row, history)


async def list_cases(
    conn: Connection,
    *,
    migrant_id: str | None,
    attention_point: str | None,
    status: CaseStatus | None,
    limit: int,
    within: Sequence[str] | None = None,
) -> list[Case]:
    """Cases newest first; `within`: only those of these attention points (None: any)."""
    rows = await conn.fetch(
        """
        SELECT * FROM cases
        WHERE ($1::uuid IS NULL OR migrant_id = $1) AND ($2::text IS NULL OR attention_point = $2)
          AND ($3::text IS NULL OR status = $3)
          AND ($5::text[] IS NULL OR attention_point = ANY($5::text[]))
        ORDER BY opened_at DESC LIMIT $4
        """,
        _filter(migrant_id),
        attention_point,
        status.value if status else None,
        limit,
        None if within is None else list(within),
    )
    return [_case(row, []) for row in rows]


async def update_case(conn: Connection, case: Case, new_entries: list[HistoryEntry]) -> None:
    await conn.execute(
        "UPDATE cases SET status = $2, closed_at = $3, outcome = $4 WHERE id = $1",
        uuid.UUID(case.case_id),
        case.status.value,
        case.closed_at,
        case.outcome,
    )
    for entry in new_entries:
        await insert_history(conn, case.case_id, entry)


async def insert_history(conn: Connection, case_id: str, entry: HistoryEntry) -> None:
    await conn.execute(
        """
        INSERT INTO case_history (case_id, from_status, to_status, at, actor, note)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        uuid.UUID(case_id),
        entry.from_status.value if entry.from_status else None,
        entry.to_status.value,
        entry.at,
        entry.actor,
        entry.note,
    )


def _case(row: asyncpg.Record, history: list[asyncpg.Record]) -> Case:
    return from_row(Case, row, case_id=str(row["id"]), history=[from_row(HistoryEntry, h) for h in history])


# ---------------------------------------------------------------- appointments


async def insert_appointment(
    conn: Connection,
    appointment_id: str,
    migrant_id: str,
    case_id: str | None,
    code: str,
    service: CaseService,
    day: date,
    at: datetime,
) -> bool:
    """False when the person already holds a live appointment for that point, service and day."""
    try:
        async with conn.transaction():  # savepoint: the caller's transaction stays usable
            await conn.execute(
                """
                INSERT INTO appointments (id, migrant_id, case_id, attention_point, service, day, status,
                    booked_at)
                VALUES ($1, $2, $3, $4, $5, $6, 'booked', $7)
                """,
                uuid.UUID(appointment_id),
                uuid.UUID(migrant_id),
                uuid.UUID(case_id) if case_id else None,
                code,
                service.value,
                day,
                at,
            )
    except asyncpg.UniqueViolationError:
        return False
    return True


async def get_appointment(
    conn: Connection, appointment_id: str, *, for_update: bool = False
) -> Appointment | None:
    key = _uuid(appointment_id)
    if key is None:
        return None
    row = await conn.fetchrow(
        "SELECT * FROM appointments WHERE id = $1" + (" FOR UPDATE" if for_update else ""), key
    )
    return _appointment(row) if row else None


async def list_appointments(
    conn: Connection, *, migrant_id: str | None, attention_point: str | None, day: date | None, limit: int
) -> list[Appointment]:
    rows = await conn.fetch(
        """
        SELECT * FROM appointments
        WHERE ($1::uuid IS NULL OR migrant_id = $1) AND ($2::text IS NULL OR attention_point = $2)
          AND ($3::date IS NULL OR day = $3)
        ORDER BY day, booked_at LIMIT $4
        """,
        _filter(migrant_id),
        attention_point,
        day,
        limit,
    )
    return [_appointment(row) for row in rows]


async def cancel_appointment(conn: Connection, appointment_id: str, reason: str, at: datetime) -> None:
    await conn.execute(
        """
        UPDATE appointments SET status = 'cancelled', cancelled_at = $2, cancel_reason = $3
        WHERE id = $1
        """,
        uuid.UUID(appointment_id),
        at,
        reason,
    )


def _appointment(row: asyncpg.Record) -> Appointment:
    return from_row(Appointment, row, appointment_id=str(row["id"]))


# ---------------------------------------------------------------- referrals


async def referral_targets(conn: Connection, case_id: str) -> set[ReferralTarget]:
    rows = await conn.fetch("SELECT target FROM referrals WHERE case_id = $1", uuid.UUID(case_id))
    return {ReferralTarget(r["target"]) for r in rows}


async def insert_referral(
    conn: Connection,
    referral_id: str,
    case: Case,
    target: ReferralTarget,
    notes: str | None,
    at: datetime,
    actor: str,
) -> None:
    await conn.execute(
        """
        INSERT INTO referrals (id, case_id, migrant_id, attention_point, target, notes, issued_at, issued_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        uuid.UUID(referral_id),
        uuid.UUID(case.case_id),
        uuid.UUID(case.migrant_id),
        case.attention_point,
        target.value,
        notes,
        at,
        actor,
    )


async def get_referral(conn: Connection, referral_id: str) -> Referral | None:
    key = _uuid(referral_id)
    row = await conn.fetchrow("SELECT * FROM referrals WHERE id = $1", key) if key else None
    return _referral(row) if row else None


async def list_referrals(conn: Connection, case_id: str) -> list[Referral]:
    rows = await conn.fetch(
        "SELECT * FROM referrals WHERE case_id = $1 ORDER BY issued_at", uuid.UUID(case_id)
    )
    return [_referral(row) for row in rows]


def _referral(row: asyncpg.Record) -> Referral:
    return from_row(Referral, row, referral_id=str(row["id"]))


# ---------------------------------------------------------------- document expiry watch


async def claim_expiring_documents(conn: Connection, today: date, until: date) -> list[tuple[str, Document]]:
    """Watched documents expiring in [today, until] not announced yet, recorded as announced now.

    The INSERT ... ON CONFLICT DO NOTHING RETURNING is the once-only guarantee: two sweeps
    (or two replicas) racing over the same document get the row only once between them.
    """
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT d.id, d.expires_on FROM migrant_documents d
            WHERE d.type = ANY($3::text[]) AND d.expires_on BETWEEN $1 AND $2
              AND NOT EXISTS (SELECT 1 FROM document_expiry_alerts a
                              WHERE a.document_id = d.id AND a.expires_on = d.expires_on)
        ), claimed AS (
            INSERT INTO document_expiry_alerts (document_id, expires_on)
            SELECT id, expires_on FROM due
            ON CONFLICT DO NOTHING
            RETURNING document_id
        )
        SELECT d.* FROM migrant_documents d JOIN claimed c ON c.document_id = d.id
        ORDER BY d.expires_on, d.id
        """,
        today,
        until,
        [t.value for t in WATCHED_DOCUMENTS],
    )
    return [
        (str(r["migrant_id"]), Document(DocumentType(r["type"]), r["number"], r["expires_on"], str(r["id"])))
        for r in rows
    ]


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class PointActivity:
    """What happened at one attention point in a period."""

    attention_point: str  # its code
    name: str
    cases_opened: int
    cases_closed: int
    appointments_booked: int
    appointments_cancelled: int
    referrals_by_target: dict[str, int]


async def attention_point_stats(conn: Connection, start: date, end: date) -> list[PointActivity]:
    """Per attention point, in [start, end] (Lima dates): cases opened/closed, appointments, referrals."""
    rows = await conn.fetch(
        """
        SELECT p.code AS attention_point, p.name,
            (SELECT count(*) FROM cases c WHERE c.attention_point = p.code
                AND (c.opened_at AT TIME ZONE 'America/Lima')::date BETWEEN $1 AND $2) AS cases_opened,
            (SELECT count(*) FROM cases c WHERE c.attention_point = p.code
                AND (c.closed_at AT TIME ZONE 'America/Lima')::date BETWEEN $1 AND $2) AS cases_closed,
            (SELECT count(*) FROM appointments a WHERE a.attention_point = p.code
                AND a.day BETWEEN $1 AND $2 AND a.status = 'booked') AS appointments_booked,
            (SELECT count(*) FROM appointments a WHERE a.attention_point = p.code
                AND a.day BETWEEN $1 AND $2 AND a.status = 'cancelled') AS appointments_cancelled,
            (SELECT coalesce(jsonb_object_agg(target, n), '{}'::jsonb) FROM (
                SELECT r.target, count(*) AS n FROM referrals r WHERE r.attention_point = p.code
                  AND (r.issued_at AT TIME ZONE 'America/Lima')::date BETWEEN $1 AND $2 GROUP BY r.target
             ) t) AS referrals
        FROM attention_points p ORDER BY p.code
        """,
        start,
        end,
    )
    return [_activity(row) for row in rows]


def _activity(row: asyncpg.Record) -> PointActivity:
    referrals = row["referrals"]
    by_target = json.loads(referrals) if isinstance(referrals, str) else dict(referrals)
    return from_row(
        PointActivity, row, referrals_by_target={str(target): int(n) for target, n in by_target.items()}
    )
