"""The only module that speaks SQL: employment state in the service's own schema (asyncpg)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import asyncpg
from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row
from chasqui_common.events.registry import DocumentType

from chasqui_employment_matching.domain.codes import department_name
from chasqui_employment_matching.domain.engine import Ranked
from chasqui_employment_matching.domain.models import (
    Application,
    DepartmentStats,
    Employer,
    JobFair,
    JobSeeker,
    Placement,
    Vacancy,
)
from chasqui_employment_matching.domain.scoring import VacancyStatus

Side = Literal["seeker", "vacancy"]  # whose top-N list: a seeker's vacancies or a vacancy's seekers

_SEEKER_COLUMNS = (
    "seeker_id, person_id, document_type, document_number, given_names, paternal_surname, "
    "maternal_surname, birth_date, ubigeo, occupations, skills, education, experience_years, disability, "
    "availability, expected_salary, phone, email, consent_to_contact, consent_sms, consent_email, "
    "consent_whatsapp, source, referral_id, active, created_at, updated_at"
)
_VACANCY_COLUMNS = (
    "vacancy_id, employer_ruc, title, occupation_code, skills, ubigeo, positions, formal, salary_min, "
    "salary_max, inclusive, education_required, experience_years_required, closes_on, status, placements, "
    "fair_id, published_at, closed_at"
)


# -- job seekers ---------------------------------------------------------------------------------


def _seeker(row: asyncpg.Record) -> JobSeeker:
    return from_row(JobSeeker, row)


def _seeker_values(s: JobSeeker) -> tuple[Any, ...]:
    return (
        s.seeker_id,
        s.person_id,
        s.document_type.value,
        s.document_number,
        s.given_names,
        s.paternal_surname,
        s.maternal_surname,
        s.birth_date,
        s.ubigeo,
        list(s.occupations),
        list(s.skills),
        s.education.value,
        s.experience_years,
        s.disability,
        s.availability.value,
        s.expected_salary,
        s.phone,
        s.email,
        s.consent_to_contact,
        s.consent_sms,
        s.consent_email,
        s.consent_whatsapp,
        s.source.value,
        s.referral_id,
        s.active,
    )


async def insert_seeker(conn: Connection, seeker: JobSeeker) -> JobSeeker:
    row = await conn.fetchrow(
        f"""
        INSERT INTO job_seekers ({_SEEKER_COLUMNS.rsplit(", created_at", 1)[0]})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                $20, $21, $22, $23, $24, $25)
        RETURNING {_SEEKER_COLUMNS}
        """,
        *_seeker_values(seeker),
    )
    assert row is not None
    return _seeker(row)


async def update_seeker(conn: Connection, seeker: JobSeeker) -> JobSeeker:
    row = await conn.fetchrow(
        f"""
        UPDATE job_seekers SET person_id = $2, document_type = $3, document_number = $4, given_names = $5,
            paternal_surname = $6, maternal_surname = $7, birth_date = $8, ubigeo = $9, occupations = $10,
            skills = $11, education = $12, experience_years = $13, disability = $14, availability = $15,
            expected_salary = $16, phone = $17, email = $18, consent_to_contact = $19, consent_sms = $20,
            consent_email = $21, consent_whatsapp = $22, source = $23, referral_id = $24, active = $25,
            updated_at = now()
        WHERE seeker_id = $1
        RETURNING {_SEEKER_COLUMNS}
        """,
        *_seeker_values(seeker),
    )
    assert row is not None
    return _seeker(row)


async def get_seeker(conn: Connection, seeker_id: str, *, for_update: bool = False) -> JobSeeker | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_SEEKER_COLUMNS} FROM job_seekers WHERE seeker_id = $1{lock}", seeker_id
    )
    return _seeker(row) if row else None


async def find_seeker_by_document(
    conn: Connection, document_type: DocumentType, number: str, *, for_update: bool = False
) -> JobSeeker | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_SEEKER_COLUMNS} FROM job_seekers WHERE document_type = $1 AND document_number = $2{lock}",
        document_type.value,
        number,
    )
    return _seeker(row) if row else None


async def seekers(
    conn: Connection, ids: Iterable[str] | None = None, *, active_only: bool = True
) -> list[JobSeeker]:
    where = ["active"] if active_only else []
    args: list[Any] = []
    if ids is not None:
        args.append(list(ids))
        where.append(f"seeker_id = ANY(${len(args)}::uuid[])")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return [_seeker(r) for r in await conn.fetch(f"SELECT {_SEEKER_COLUMNS} FROM job_seekers{clause}", *args)]


# -- employers -----------------------------------------------------------------------------------


async def insert_employer(conn: Connection, employer: Employer) -> bool:
    status = await conn.execute(
        "INSERT INTO employers (ruc, name, sector) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        employer.ruc,
        employer.name,
        employer.sector,
    )
    return bool(status.endswith(" 1"))


async def get_employer(conn: Connection, ruc: str) -> Employer | None:
    row = await conn.fetchrow("SELECT ruc, name, sector FROM employers WHERE ruc = $1", ruc)
    return from_row(Employer, row) if row else None


# -- vacancies -----------------------------------------------------------------------------------


def _vacancy(row: asyncpg.Record) -> Vacancy:
    return from_row(Vacancy, row)


async def insert_vacancy(conn: Connection, v: Vacancy) -> Vacancy:
    row = await conn.fetchrow(
        f"""
        INSERT INTO vacancies (vacancy_id, employer_ruc, title, occupation_code, skills, ubigeo, positions,
            formal, salary_min, salary_max, inclusive, education_required, experience_years_required,
            closes_on, fair_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        RETURNING {_VACANCY_COLUMNS}
        """,
        v.vacancy_id,
        v.employer_ruc,
        v.title,
        v.occupation_code,
        list(v.skills),
        v.ubigeo,
        v.positions,
        v.formal,
        v.salary_min,
        v.salary_max,
        v.inclusive,
        v.education_required.value,
        v.experience_years_required,
        v.closes_on,
        v.fair_id,
    )
    assert row is not None
    return _vacancy(row)


async def get_vacancy(conn: Connection, vacancy_id: str, *, for_update: bool = False) -> Vacancy | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_VACANCY_COLUMNS} FROM vacancies WHERE vacancy_id = $1{lock}", vacancy_id
    )
    return _vacancy(row) if row else None


async def open_vacancies(conn: Connection, today: date) -> list[Vacancy]:
    rows = await conn.fetch(
        f"SELECT {_VACANCY_COLUMNS} FROM vacancies "
        "WHERE status = 'open' AND closes_on >= $1 AND placements < positions",
        today,
    )
    return [_vacancy(r) for r in rows]


async def vacancies_past_closing(conn: Connection, today: date, limit: int = 500) -> list[str]:
    rows = await conn.fetch(
        "SELECT vacancy_id FROM vacancies WHERE status = 'open' AND closes_on < $1 "
        "ORDER BY closes_on LIMIT $2 FOR UPDATE SKIP LOCKED",
        today,
        limit,
    )
    return [str(r["vacancy_id"]) for r in rows]


async def set_vacancy_status(conn: Connection, vacancy_id: str, status: VacancyStatus) -> Vacancy:
    row = await conn.fetchrow(
        f"UPDATE vacancies SET status = $2, closed_at = CASE WHEN $2 = 'open' THEN NULL ELSE now() END "
        f"WHERE vacancy_id = $1 RETURNING {_VACANCY_COLUMNS}",
        vacancy_id,
        status.value,
    )
    assert row is not None
    return _vacancy(row)


async def count_placement(conn: Connection, vacancy_id: str) -> Vacancy:
    row = await conn.fetchrow(
        f"UPDATE vacancies SET placements = placements + 1 WHERE vacancy_id = $1 RETURNING {_VACANCY_COLUMNS}",
        vacancy_id,
    )
    assert row is not None
    return _vacancy(row)


# -- job fairs -----------------------------------------------------------------------------------


async def insert_fair(conn: Connection, fair: JobFair) -> None:
    await conn.execute(
        "INSERT INTO job_fairs (fair_id, name, held_on, ubigeo, venue) VALUES ($1, $2, $3, $4, $5)",
        fair.fair_id,
        fair.name,
        fair.held_on,
        fair.ubigeo,
        fair.venue,
    )


async def get_fair(conn: Connection, fair_id: str) -> JobFair | None:
    row = await conn.fetchrow(
        """
        SELECT f.fair_id, f.name, f.held_on, f.ubigeo, f.venue,
               (SELECT count(*) FROM vacancies v WHERE v.fair_id = f.fair_id) AS vacancies,
               (SELECT coalesce(sum(positions), 0) FROM vacancies v WHERE v.fair_id = f.fair_id) AS positions,
               (SELECT count(*) FROM job_fair_attendees a WHERE a.fair_id = f.fair_id) AS attendees
        FROM job_fairs f WHERE f.fair_id = $1
        """,
        fair_id,
    )
    return from_row(JobFair, row) if row else None


async def add_attendee(conn: Connection, fair_id: str, seeker_id: str) -> bool:
    status = await conn.execute(
        "INSERT INTO job_fair_attendees (fair_id, seeker_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        fair_id,
        seeker_id,
    )
    return bool(status.endswith(" 1"))


# -- matches -------------------------------------------------------------------------------------


async def lock_matching(conn: Connection) -> None:
    """Serialise recomputations: stored top-N lists are read, merged and written as one step."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('employment:matching'))")


def _owner_column(side: Side) -> tuple[str, str]:
    return ("seeker_id", "vacancy_id") if side == "seeker" else ("vacancy_id", "seeker_id")


async def top_lists(conn: Connection, side: Side, owners: Iterable[str]) -> dict[str, list[Ranked]]:
    owner, other = _owner_column(side)
    rows = await conn.fetch(
        f"SELECT {owner} AS owner, {other} AS other, score FROM matches "
        f"WHERE side = $1 AND {owner} = ANY($2::uuid[])",
        side,
        list(owners),
    )
    lists: dict[str, list[Ranked]] = {}
    for r in rows:
        lists.setdefault(str(r["owner"]), []).append(Ranked(str(r["other"]), r["score"]))
    return lists


async def owners_listing(conn: Connection, side: Side, other_id: str) -> list[str]:
    """The owners on `side` whose list contains `other_id`."""
    owner, other = _owner_column(side)
    rows = await conn.fetch(
        f"SELECT {owner} AS owner FROM matches WHERE side = $1 AND {other} = $2", side, other_id
    )
    return [str(r["owner"]) for r in rows]


async def replace_lists(conn: Connection, side: Side, lists: Mapping[str, Sequence[Ranked]]) -> None:
    if not lists:
        return
    owner, other = _owner_column(side)
    await conn.execute(
        f"DELETE FROM matches WHERE side = $1 AND {owner} = ANY($2::uuid[])", side, list(lists)
    )
    await conn.copy_records_to_table(
        "matches",
        columns=["side", owner, other, "score"],
        records=[
            (side, key, entry.other_id, entry.score) for key, entries in lists.items() for entry in entries
        ],
    )


async def delete_lists_of(conn: Connection, side: Side, owner_id: str) -> None:
    owner, _ = _owner_column(side)
    await conn.execute(f"DELETE FROM matches WHERE side = $1 AND {owner} = $2", side, owner_id)


async def top_list(conn: Connection, side: Side, owner_id: str, limit: int) -> list[Ranked]:
    owner, other = _owner_column(side)
    rows = await conn.fetch(
        f"SELECT {other} AS other, score FROM matches WHERE side = $1 AND {owner} = $2 "
        f"ORDER BY score DESC, {other}::text LIMIT $3",
        side,
        owner_id,
        limit,
    )
    return [Ranked(str(r["other"]), r["score"]) for r in rows]


async def record_proposals(conn: Connection, pairs: Sequence[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """Record (seeker, vacancy, score) proposals; returns the pairs never proposed before."""
    if not pairs:
        return []
    rows = await conn.fetch(
        """
        INSERT INTO proposals (seeker_id, vacancy_id, score)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])
        ON CONFLICT DO NOTHING
        RETURNING seeker_id, vacancy_id
        """,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        [p[2] for p in pairs],
    )
    return [(str(r["seeker_id"]), str(r["vacancy_id"])) for r in rows]


# -- applications and placements -----------------------------------------------------------------


async def insert_application(conn: Connection, a: Application) -> bool:
    status = await conn.execute(
        "INSERT INTO applications (application_id, seeker_id, vacancy_id, match_score, submitted_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seeker_id, vacancy_id) DO NOTHING",
        a.application_id,
        a.seeker_id,
        a.vacancy_id,
        a.match_score,
        a.submitted_at,
    )
    return bool(status.endswith(" 1"))


def _application(row: asyncpg.Record) -> Application:
    return from_row(Application, row)


async def get_application(conn: Connection, application_id: str) -> Application | None:
    row = await conn.fetchrow("SELECT * FROM applications WHERE application_id = $1", application_id)
    return _application(row) if row else None


async def find_application(conn: Connection, seeker_id: str, vacancy_id: str) -> Application | None:
    row = await conn.fetchrow(
        "SELECT * FROM applications WHERE seeker_id = $1 AND vacancy_id = $2", seeker_id, vacancy_id
    )
    return _application(row) if row else None


async def insert_placement(conn: Connection, p: Placement) -> bool:
    status = await conn.execute(
        "INSERT INTO placements (placement_id, seeker_id, vacancy_id, formal, start_date, monthly_salary, "
        "confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (seeker_id, vacancy_id) DO NOTHING",
        p.placement_id,
        p.seeker_id,
        p.vacancy_id,
        p.formal,
        p.start_date,
        p.monthly_salary,
        p.confirmed_at,
    )
    return bool(status.endswith(" 1"))


def _placement(row: asyncpg.Record) -> Placement:
    return from_row(Placement, row)


async def get_placement(conn: Connection, placement_id: str) -> Placement | None:
    row = await conn.fetchrow("SELECT * FROM placements WHERE placement_id = $1", placement_id)
    return _placement(row) if row else None


async def find_placement(conn: Connection, seeker_id: str, vacancy_id: str) -> Placement | None:
    row = await conn.fetchrow(
        "SELECT * FROM placements WHERE seeker_id = $1 AND vacancy_id = $2", seeker_id, vacancy_id
    )
    return _placement(row) if row else None


# -- statistics ----------------------------------------------------------------------------------


async def department_stats(conn: Connection) -> list[DepartmentStats]:
    """Per department (first two ubigeo digits): active seekers, vacancies and positions published,
    placements and formal placements (located where the job is)."""
    rows = await conn.fetch(
        """
        WITH s AS (SELECT left(ubigeo, 2) AS dep, count(*) AS n FROM job_seekers WHERE active GROUP BY 1),
             v AS (SELECT left(ubigeo, 2) AS dep, count(*) AS n, sum(positions) AS p FROM vacancies GROUP BY 1),
             p AS (SELECT left(v.ubigeo, 2) AS dep, count(*) AS n, count(*) FILTER (WHERE p.formal) AS f
                   FROM placements p JOIN vacancies v USING (vacancy_id) GROUP BY 1)
        SELECT dep AS department, coalesce(s.n, 0) AS seekers, coalesce(v.n, 0) AS vacancies, coalesce(v.p, 0) AS positions,
               coalesce(p.n, 0) AS placements, coalesce(p.f, 0) AS formal
        FROM s FULL JOIN v USING (dep) FULL JOIN p USING (dep)
        ORDER BY dep
        """
    )
    return [
        from_row(DepartmentStats, r, name=department_name(r["department"]), formal_placements=r["formal"])
        for r in rows
    ]
