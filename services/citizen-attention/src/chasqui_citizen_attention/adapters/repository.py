"""The only SQL of the citizen-attention service: municipal data, the citizen projection, tickets,
attentions, referrals, classification requests, timelines and the attention figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row

from chasqui_citizen_attention.domain.municipalities import (
    Municipality,
    NonWorkingDay,
    Office,
    OfficeData,
    Procedure,
    Sector,
)
from chasqui_citizen_attention.domain.records import (
    Attention,
    Citizen,
    ClassificationRequest,
    KnownFrom,
    Referral,
    Ticket,
)
from chasqui_citizen_attention.domain.referrals import ReferralStatus
from chasqui_citizen_attention.domain.tickets import TicketStatus


def new_id() -> str:
    return str(uuid.uuid4())


# -- municipal data -------------------------------------------------------------------------------


async def replace_municipality(
    conn: Connection, municipality: Municipality, source: str, now: datetime
) -> None:
    """Store a municipality's data as its file says, replacing what was loaded before."""
    m = municipality
    await conn.execute(
        """
        INSERT INTO municipalities (ubigeo, name, source, loaded_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (ubigeo) DO UPDATE SET name = $2, source = $3, loaded_at = $4
        """,
        m.ubigeo, m.name, source, now,
    )  # fmt: skip
    for table in ("offices", "non_working_days", "sectors"):
        await conn.execute(f"DELETE FROM {table} WHERE ubigeo = $1", m.ubigeo)
    await conn.executemany(
        "INSERT INTO offices (ubigeo, office, name) VALUES ($1, $2, $3)",
        [(m.ubigeo, o.office.value, o.name) for o in m.offices],
    )
    await conn.executemany(
        """
        INSERT INTO procedures (ubigeo, office, procedure, name, steps, deadline_working_days, position)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        [
            (m.ubigeo, o.office.value, p.code, p.name, list(p.steps), p.deadline_working_days, i)
            for o in m.offices
            for i, p in enumerate(o.procedures)
        ],
    )
    await conn.executemany(
        "INSERT INTO non_working_days (ubigeo, day, reason) VALUES ($1, $2, $3)",
        [(m.ubigeo, d.day, d.reason) for d in m.non_working_days],
    )
    await conn.executemany(
        "INSERT INTO sectors (ubigeo, sector, name, position) VALUES ($1, $2, $3, $4)",
        [(m.ubigeo, s.code, s.name, i) for i, s in enumerate(m.sectors)],
    )


async def municipality(conn: Connection, ubigeo: str) -> Municipality | None:
    name = await conn.fetchval("SELECT name FROM municipalities WHERE ubigeo = $1", ubigeo)
    if name is None:
        return None
    offices = await conn.fetch("SELECT office, name FROM offices WHERE ubigeo = $1 ORDER BY office", ubigeo)
    procedures = await conn.fetch(
        "SELECT * FROM procedures WHERE ubigeo = $1 ORDER BY office, position", ubigeo
    )
    days = await conn.fetch("SELECT day, reason FROM non_working_days WHERE ubigeo = $1 ORDER BY day", ubigeo)
    sectors = await conn.fetch("SELECT sector, name FROM sectors WHERE ubigeo = $1 ORDER BY position", ubigeo)
    return Municipality(
        ubigeo=ubigeo,
        name=name,
        offices=tuple(
            OfficeData(
                Office(o["office"]),
                o["name"],
                tuple(
                    Procedure(p["procedure"], p["name"], tuple(p["steps"]), p["deadline_working_days"])
                    for p in procedures
                    if p["office"] == o["office"]
                ),
            )
            for o in offices
        ),
        non_working_days=tuple(NonWorkingDay(d["day"], d["reason"]) for d in days),
        sectors=tuple(Sector(s["sector"], s["name"]) for s in sectors),
    )


async def municipality_ubigeos(conn: Connection) -> list[str]:
    return [r["ubigeo"] for r in await conn.fetch("SELECT ubigeo FROM municipalities ORDER BY ubigeo")]


# -- citizens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryPerson:
    """A household member as the registry's latest snapshot has them."""

    document_type: str
    document_number: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date
    sex: str
    person_id: str
    household_id: str
    household_ubigeo: str
    disability_severity: str
    disability_certified: bool
    cse_level: str | None
    cse_valid_until: date | None


async def take_registry_person(conn: Connection, p: RegistryPerson, event_time: datetime) -> None:
    """Upsert a person from a registry snapshot unless a later registry event was applied already."""
    await conn.execute(
        """
        INSERT INTO citizens AS c (citizen_id, document_type, document_number, given_names,
            paternal_surname, maternal_surname, birth_date, sex, person_id, household_id,
            household_ubigeo, disability_severity, disability_certified, cse_level, cse_valid_until,
            known_from, registry_event_time, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'registry', $16, $16, $16)
        ON CONFLICT (document_type, document_number) DO UPDATE SET
            given_names = $4, paternal_surname = $5, maternal_surname = $6, birth_date = $7, sex = $8,
            person_id = $9, household_id = $10, household_ubigeo = $11, disability_severity = $12,
            disability_certified = $13, cse_level = $14, cse_valid_until = $15, known_from = 'registry',
            registry_event_time = $16, updated_at = $16
        WHERE c.registry_event_time IS NULL OR c.registry_event_time <= $16
        """,
        new_id(), p.document_type, p.document_number, p.given_names, p.paternal_surname,
        p.maternal_surname, p.birth_date, p.sex, p.person_id, p.household_id, p.household_ubigeo,
        p.disability_severity, p.disability_certified, p.cse_level, p.cse_valid_until, event_time,
    )  # fmt: skip


async def leave_household(
    conn: Connection, household_id: str, keep_person_ids: list[str], event_time: datetime
) -> None:
    """People of `household_id` no longer in its snapshot (removed, or household deregistered)."""
    await conn.execute(
        """
        UPDATE citizens SET household_id = NULL, household_ubigeo = NULL, cse_level = NULL,
            cse_valid_until = NULL, registry_event_time = $3, updated_at = $3
        WHERE household_id = $1 AND NOT (person_id = ANY($2))
          AND (registry_event_time IS NULL OR registry_event_time <= $3)
        """,
        household_id, keep_person_ids, event_time,
    )  # fmt: skip


@dataclass(frozen=True)
class OtherSourcePerson:
    """A person as migrant-services or employment-matching knows them (never overrides registry data)."""

    document_type: str
    document_number: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    sex: str | None
    known_from: KnownFrom


async def take_other_person(
    conn: Connection,
    p: OtherSourcePerson,
    now: datetime,
    *,
    migrant_id: str | None = None,
    migrant_case_id: str | None = None,
    seeker_id: str | None = None,
) -> str:
    """Upsert a person from another service; names and birth date only fill what the registry has
    not given. Links (migrant, case, job seeker) are set when given. Returns the citizen id."""
    citizen_id: str = await conn.fetchval(
        """
        INSERT INTO citizens AS c (citizen_id, document_type, document_number, given_names,
            paternal_surname, maternal_surname, birth_date, sex, migrant_id, migrant_case_id,
            seeker_id, known_from, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
        ON CONFLICT (document_type, document_number) DO UPDATE SET
            given_names = CASE WHEN c.known_from = 'registry' THEN c.given_names ELSE $4 END,
            paternal_surname = CASE WHEN c.known_from = 'registry' THEN c.paternal_surname ELSE $5 END,
            maternal_surname = CASE WHEN c.known_from = 'registry' THEN c.maternal_surname ELSE $6 END,
            birth_date = COALESCE(c.birth_date, $7),
            sex = COALESCE(c.sex, $8),
            migrant_id = COALESCE($9, c.migrant_id),
            migrant_case_id = COALESCE($10, c.migrant_case_id),
            seeker_id = COALESCE($11, c.seeker_id),
            known_from = CASE WHEN c.known_from IN ('registry', 'migrant-services') THEN c.known_from
                              ELSE $12 END,
            updated_at = $13
        RETURNING citizen_id
        """,
        new_id(), p.document_type, p.document_number, p.given_names, p.paternal_surname,
        p.maternal_surname, p.birth_date, p.sex, migrant_id, migrant_case_id, seeker_id,
        p.known_from.value, now,
    )  # fmt: skip
    return citizen_id


async def link_migrant_case(conn: Connection, migrant_id: str, case_id: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE citizens SET migrant_case_id = $2, updated_at = $3 WHERE migrant_id = $1",
        migrant_id, case_id, now,
    )  # fmt: skip


async def insert_counter_citizen(
    conn: Connection,
    document_type: str,
    document_number: str,
    given_names: str,
    paternal_surname: str | None,
    maternal_surname: str | None,
    birth_date: date | None,
    now: datetime,
) -> str | None:
    """A person first met at the counter; None if the document is known already."""
    citizen_id: str | None = await conn.fetchval(
        """
        INSERT INTO citizens (citizen_id, document_type, document_number, given_names, paternal_surname,
            maternal_surname, birth_date, known_from, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'counter', $8, $8)
        ON CONFLICT (document_type, document_number) DO NOTHING
        RETURNING citizen_id
        """,
        new_id(), document_type, document_number, given_names, paternal_surname, maternal_surname,
        birth_date, now,
    )  # fmt: skip
    return citizen_id


async def citizen(conn: Connection, citizen_id: str) -> Citizen | None:
    row = await conn.fetchrow("SELECT * FROM citizens WHERE citizen_id = $1", citizen_id)
    return from_row(Citizen, row) if row else None


async def citizen_by_document(conn: Connection, document_type: str, number: str) -> Citizen | None:
    row = await conn.fetchrow(
        "SELECT * FROM citizens WHERE document_type = $1 AND document_number = $2", document_type, number
    )
    return from_row(Citizen, row) if row else None


# -- tickets --------------------------------------------------------------------------------------


async def insert_ticket(
    conn: Connection,
    ubigeo: str,
    office: Office,
    day: date,
    citizen_id: str | None,
    procedure: str | None,
    now: datetime,
) -> Ticket:
    """A new ticket with the next number of the office and day (a per-office-day advisory lock keeps
    two counters from drawing the same number)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ticket:{ubigeo}:{office.value}:{day}")
    row = await conn.fetchrow(
        """
        INSERT INTO tickets (ticket_id, ubigeo, office, day, number, citizen_id, procedure, status, issued_at)
        SELECT $1, $2, $3, $4, COALESCE(max(number), 0) + 1, $5, $6, 'issued', $7
        FROM tickets WHERE ubigeo = $2 AND office = $3 AND day = $4
        RETURNING *
        """,
        new_id(), ubigeo, office.value, day, citizen_id, procedure, now,
    )  # fmt: skip
    assert row is not None  # the row was just written in this transaction
    return from_row(Ticket, row)


async def ticket_for_update(conn: Connection, ticket_id: str) -> Ticket | None:
    row = await conn.fetchrow("SELECT * FROM tickets WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    return from_row(Ticket, row) if row else None


async def ticket(conn: Connection, ticket_id: str) -> Ticket | None:
    row = await conn.fetchrow("SELECT * FROM tickets WHERE ticket_id = $1", ticket_id)
    return from_row(Ticket, row) if row else None


async def move_ticket(
    conn: Connection, ticket_id: str, status: TicketStatus, now: datetime, by: str | None
) -> Ticket:
    column = {
        TicketStatus.CALLED: "called_at",
        TicketStatus.ATTENDED: "attended_at",
        TicketStatus.CLOSED: "closed_at",
        TicketStatus.NO_SHOW: "closed_at",
    }[status]
    row = await conn.fetchrow(
        f"""
        UPDATE tickets SET status = $2, {column} = $3,
            called_by = CASE WHEN $2 = 'called' THEN $4 ELSE called_by END
        WHERE ticket_id = $1 RETURNING *
        """,
        ticket_id, status.value, now, by,
    )  # fmt: skip
    assert row is not None  # the row was just written in this transaction
    return from_row(Ticket, row)


async def list_tickets(
    conn: Connection, ubigeo: str, office: Office, day: date, status: TicketStatus | None
) -> list[Ticket]:
    rows = await conn.fetch(
        """
        SELECT * FROM tickets WHERE ubigeo = $1 AND office = $2 AND day = $3
          AND ($4::text IS NULL OR status = $4) ORDER BY number
        """,
        ubigeo, office.value, day, status.value if status else None,
    )  # fmt: skip
    return [from_row(Ticket, r) for r in rows]


# -- attentions -----------------------------------------------------------------------------------


async def insert_attention(conn: Connection, a: Attention, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO attentions (attention_id, ubigeo, office, procedure, step, citizen_id, ticket_id,
            staff, channel, outcome, notes, sector, day, started_at, duration_seconds, waiting_seconds,
            recorded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        """,
        a.attention_id, a.ubigeo, a.office.value, a.procedure, a.step, a.citizen_id, a.ticket_id,
        a.staff, a.channel.value, a.outcome.value, a.notes, a.sector, a.day, a.started_at,
        a.duration_seconds, a.waiting_seconds, now,
    )  # fmt: skip


async def attention(conn: Connection, attention_id: str) -> Attention | None:
    row = await conn.fetchrow("SELECT * FROM attentions WHERE attention_id = $1", attention_id)
    return from_row(Attention, row) if row else None


async def ticket_has_attention(conn: Connection, ticket_id: str) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM attentions WHERE ticket_id = $1)", ticket_id)
    )


# -- referrals ------------------------------------------------------------------------------------


async def insert_referral(conn: Connection, r: Referral) -> bool:
    """Store a referral; False if one with the same external id exists (a redelivered event)."""
    inserted = await conn.fetchval(
        """
        INSERT INTO referrals (referral_id, ubigeo, district, source, from_office, to_office, citizen_id,
            procedure, reason, status, due_on, made_on, made_at, made_by, external_id, migrant_case_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (external_id) DO NOTHING
        RETURNING true
        """,
        r.referral_id, r.ubigeo, r.district, r.source.value, r.from_office.value if r.from_office else None,
        r.to_office.value, r.citizen_id, r.procedure, r.reason, r.status.value, r.due_on, r.made_on,
        r.made_at, r.made_by, r.external_id, r.migrant_case_id,
    )  # fmt: skip
    return bool(inserted)


async def referral_for_update(conn: Connection, referral_id: str) -> Referral | None:
    row = await conn.fetchrow("SELECT * FROM referrals WHERE referral_id = $1 FOR UPDATE", referral_id)
    return from_row(Referral, row) if row else None


async def referral(conn: Connection, referral_id: str) -> Referral | None:
    row = await conn.fetchrow("SELECT * FROM referrals WHERE referral_id = $1", referral_id)
    return from_row(Referral, row) if row else None


async def move_referral(
    conn: Connection, referral_id: str, status: ReferralStatus, now: datetime, today: date, reason: str | None
) -> Referral:
    column = {
        ReferralStatus.ACCEPTED: "accepted_at",
        ReferralStatus.REJECTED: "rejected_at",
        ReferralStatus.COMPLETED: "completed_at",
    }[status]
    row = await conn.fetchrow(
        f"""
        UPDATE referrals SET status = $2, {column} = $3,
            rejection_reason = CASE WHEN $2 = 'rejected' THEN $5 ELSE rejection_reason END,
            completed_on = CASE WHEN $2 = 'completed' THEN $4 ELSE completed_on END
        WHERE referral_id = $1 RETURNING *
        """,
        referral_id, status.value, now, today, reason,
    )  # fmt: skip
    assert row is not None  # the row was just written in this transaction
    return from_row(Referral, row)


async def list_referrals(
    conn: Connection,
    ubigeo: str | None,
    to_office: Office | None,
    status: ReferralStatus | None,
    citizen_id: str | None,
    limit: int,
) -> list[Referral]:
    rows = await conn.fetch(
        """
        SELECT * FROM referrals
        WHERE ($1::text IS NULL OR ubigeo = $1) AND ($2::text IS NULL OR to_office = $2)
          AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR citizen_id = $4)
        ORDER BY made_at DESC LIMIT $5
        """,
        ubigeo, to_office.value if to_office else None, status.value if status else None, citizen_id, limit,
    )  # fmt: skip
    return [from_row(Referral, r) for r in rows]


async def claim_missed_referrals(conn: Connection, today: date, now: datetime, limit: int) -> list[Referral]:
    """Mark open referrals past their deadline as missed (once each) and return them."""
    rows = await conn.fetch(
        """
        UPDATE referrals SET deadline_missed_at = $2
        WHERE referral_id IN (
            SELECT referral_id FROM referrals
            WHERE status IN ('pending', 'accepted') AND deadline_missed_at IS NULL AND due_on < $1
            ORDER BY due_on LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING *
        """,
        today, now, limit,
    )  # fmt: skip
    return [from_row(Referral, r) for r in rows]


# -- classification requests ----------------------------------------------------------------------


async def insert_request(conn: Connection, r: ClassificationRequest, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO classification_requests (request_id, ubigeo, citizen_id, household_id, status,
            registered_on, home_visit_due_on, registered_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        r.request_id, r.ubigeo, r.citizen_id, r.household_id, r.status.value, r.registered_on,
        r.home_visit_due_on, r.registered_by, now,
    )  # fmt: skip


async def request_for_update(conn: Connection, request_id: str) -> ClassificationRequest | None:
    row = await conn.fetchrow(
        "SELECT * FROM classification_requests WHERE request_id = $1 FOR UPDATE", request_id
    )
    return from_row(ClassificationRequest, row) if row else None


async def request(conn: Connection, request_id: str) -> ClassificationRequest | None:
    row = await conn.fetchrow("SELECT * FROM classification_requests WHERE request_id = $1", request_id)
    return from_row(ClassificationRequest, row) if row else None


async def save_request(conn: Connection, r: ClassificationRequest) -> None:
    await conn.execute(
        """
        UPDATE classification_requests SET household_id = $2, status = $3, visited_on = $4,
            result_due_on = $5, result_level = $6, result_valid_from = $7, result_valid_until = $8,
            result_recorded_on = $9
        WHERE request_id = $1
        """,
        r.request_id, r.household_id, r.status.value, r.visited_on, r.result_due_on, r.result_level,
        r.result_valid_from, r.result_valid_until, r.result_recorded_on,
    )  # fmt: skip


async def open_requests(conn: Connection, ubigeo: str) -> list[ClassificationRequest]:
    rows = await conn.fetch(
        """
        SELECT * FROM classification_requests WHERE ubigeo = $1 AND status <> 'result_recorded'
        ORDER BY registered_on, request_id
        """,
        ubigeo,
    )
    return [from_row(ClassificationRequest, r) for r in rows]


# -- timeline -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    kind: str
    id: str
    office: Office
    at: datetime
    procedure: str | None
    status: str | None
    detail: str | None
    confidential: bool


async def timeline(conn: Connection, citizen_id: str, limit: int) -> list[TimelineRow]:
    """Everything that happened to a person, newest first (ULE requests count as ULE)."""
    rows = await conn.fetch(
        """
        SELECT * FROM (
            SELECT 'ticket' AS kind, ticket_id AS id, office, issued_at AS at, procedure, status,
                   office || '-' || lpad(number::text, 3, '0') AS detail, office = 'DEMUNA' AS confidential
            FROM tickets WHERE citizen_id = $1
            UNION ALL
            SELECT 'attention', attention_id, office, started_at, procedure, outcome,
                   step || ' (' || channel || ', ' || staff || ')', office = 'DEMUNA'
            FROM attentions WHERE citizen_id = $1
            UNION ALL
            SELECT 'referral', referral_id, to_office, made_at, procedure, status,
                   coalesce(from_office, source) || ' -> ' || to_office,
                   'DEMUNA' IN (to_office, coalesce(from_office, ''))
            FROM referrals WHERE citizen_id = $1
            UNION ALL
            SELECT 'classification_request', request_id, 'ULE', created_at, 'S100', status,
                   coalesce(result_level, 'home visit due ' || home_visit_due_on::text), false
            FROM classification_requests WHERE citizen_id = $1
        ) t ORDER BY at DESC, id LIMIT $2
        """,
        citizen_id, limit,
    )  # fmt: skip
    return [from_row(TimelineRow, r) for r in rows]


# -- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttentionFigureRow:
    office: str
    procedure: str
    day: date
    sector: str | None
    attentions: int
    service_p50_seconds: float | None
    service_p90_seconds: float | None
    waiting_p50_seconds: float | None
    waiting_p90_seconds: float | None


@dataclass(frozen=True)
class QueueFigureRow:
    office: str
    day: date
    tickets: int
    no_shows: int
    waiting_p50_seconds: float | None
    waiting_p90_seconds: float | None


@dataclass(frozen=True)
class ReferralFigureRow:
    office: str
    day: date
    made: int
    received: int
    completed: int
    completed_on_time: int
    missed: int


async def attention_figures(
    conn: Connection, ubigeo: str, first: date, last: date, office: Office | None
) -> list[AttentionFigureRow]:
    """Per office, procedure, day and sector (index attentions_figures: one range scan per period)."""
    rows = await conn.fetch(
        """
        SELECT office, procedure, day, sector, count(*) AS attentions,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS service_p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_seconds) AS service_p90_seconds,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY waiting_seconds) AS waiting_p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY waiting_seconds) AS waiting_p90_seconds
        FROM attentions
        WHERE ubigeo = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR office = $4)
        GROUP BY office, procedure, day, sector
        ORDER BY day, office, procedure, sector NULLS LAST
        """,
        ubigeo, first, last, office.value if office else None,
    )  # fmt: skip
    return [from_row(AttentionFigureRow, r) for r in rows]


async def queue_figures(
    conn: Connection, ubigeo: str, first: date, last: date, office: Office | None
) -> list[QueueFigureRow]:
    rows = await conn.fetch(
        """
        SELECT office, day, count(*) AS tickets, count(*) FILTER (WHERE status = 'no_show') AS no_shows,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM called_at - issued_at))
                   AS waiting_p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM called_at - issued_at))
                   AS waiting_p90_seconds
        FROM tickets
        WHERE ubigeo = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR office = $4)
        GROUP BY office, day ORDER BY day, office
        """,
        ubigeo, first, last, office.value if office else None,
    )  # fmt: skip
    return [from_row(QueueFigureRow, r) for r in rows]


async def referral_figures(
    conn: Connection, ubigeo: str, first: date, last: date, office: Office | None
) -> list[ReferralFigureRow]:
    """Referrals made by (from) and received by (to) each office per day they were made; completed
    on time means completed on or before the deadline day."""
    rows = await conn.fetch(
        """
        WITH sides AS (
            SELECT from_office AS office, made_on AS day, 1 AS made, 0 AS received, 0 AS completed,
                   0 AS on_time, 0 AS missed
            FROM referrals WHERE ubigeo = $1 AND made_on BETWEEN $2 AND $3 AND from_office IS NOT NULL
            UNION ALL
            SELECT to_office, made_on, 0, 1, (status = 'completed')::int,
                   (status = 'completed' AND completed_on <= due_on)::int,
                   (deadline_missed_at IS NOT NULL)::int
            FROM referrals WHERE ubigeo = $1 AND made_on BETWEEN $2 AND $3
        )
        SELECT office, day, sum(made) AS made, sum(received) AS received, sum(completed) AS completed,
               sum(on_time) AS completed_on_time, sum(missed) AS missed
        FROM sides WHERE ($4::text IS NULL OR office = $4)
        GROUP BY office, day ORDER BY day, office
        """,
        ubigeo, first, last, office.value if office else None,
    )  # fmt: skip
    return [from_row(ReferralFigureRow, r) for r in rows]


@dataclass(frozen=True)
class StepRow:
    step: str
    attentions: int
    citizens: int
    duration_p50_seconds: float | None


@dataclass(frozen=True)
class TransitionRow:
    from_step: str
    to_step: str
    count: int
    median_seconds: float | None


async def process_steps(
    conn: Connection, ubigeo: str, office: Office, procedure: str, first: date, last: date
) -> list[StepRow]:
    rows = await conn.fetch(
        """
        SELECT step, count(*) AS attentions, count(DISTINCT citizen_id) AS citizens,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS duration_p50_seconds
        FROM attentions
        WHERE ubigeo = $1 AND office = $2 AND procedure = $3 AND day BETWEEN $4 AND $5
        GROUP BY step
        """,
        ubigeo, office.value, procedure, first, last,
    )  # fmt: skip
    return [from_row(StepRow, r) for r in rows]


async def process_transitions(
    conn: Connection, ubigeo: str, office: Office, procedure: str, first: date, last: date
) -> list[TransitionRow]:
    """Consecutive attentions of one person in one procedure, as step -> step with the time between
    the start of one and the start of the next (index attentions_process gives the order)."""
    rows = await conn.fetch(
        """
        SELECT from_step, to_step, count(*) AS count,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_seconds
        FROM (
            SELECT lag(step) OVER w AS from_step, step AS to_step,
                   extract(epoch FROM started_at - lag(started_at) OVER w) AS seconds
            FROM attentions
            WHERE ubigeo = $1 AND office = $2 AND procedure = $3 AND day BETWEEN $4 AND $5
            WINDOW w AS (PARTITION BY citizen_id ORDER BY started_at)
        ) t
        WHERE from_step IS NOT NULL
        GROUP BY from_step, to_step ORDER BY count DESC, from_step, to_step
        """,
        ubigeo, office.value, procedure, first, last,
    )  # fmt: skip
    return [from_row(TransitionRow, r) for r in rows]


@dataclass(frozen=True)
class RequestDeadlineRow:
    request_id: str
    registered_on: date
    home_visit_due_on: date
    visited_on: date | None
    result_due_on: date | None
    result_recorded_on: date | None


async def closed_request_deadlines(
    conn: Connection, ubigeo: str, first: date, last: date
) -> list[RequestDeadlineRow]:
    rows = await conn.fetch(
        """
        SELECT request_id, registered_on, home_visit_due_on, visited_on, result_due_on, result_recorded_on
        FROM classification_requests WHERE ubigeo = $1 AND registered_on BETWEEN $2 AND $3
        """,
        ubigeo, first, last,
    )  # fmt: skip
    return [from_row(RequestDeadlineRow, r) for r in rows]
