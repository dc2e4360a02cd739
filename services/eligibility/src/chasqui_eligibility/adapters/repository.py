"""The only module that speaks SQL: the household projection, decisions and sweep state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row
from chasqui_common.events.eligibility import DecisionCause
from chasqui_common.events.registry import Household, HouseholdStatus
from chasqui_common.values import read_stored

from chasqui_eligibility.domain.decisions import RecordedDecision, StoredDecision, VerdictChange
from chasqui_eligibility.domain.vectorised import HouseholdRow, PersonRow

_APPLY_SNAPSHOT = """
WITH household AS (
    INSERT INTO households (household_id, snapshot, active, ubigeo, cse_level, cse_valid_from,
                            cse_valid_until, residence_since, last_event_id, evaluated_on)
    VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (household_id) DO UPDATE SET
        snapshot = EXCLUDED.snapshot, active = EXCLUDED.active, ubigeo = EXCLUDED.ubigeo,
        cse_level = EXCLUDED.cse_level, cse_valid_from = EXCLUDED.cse_valid_from,
        cse_valid_until = EXCLUDED.cse_valid_until, residence_since = EXCLUDED.residence_since,
        last_event_id = EXCLUDED.last_event_id, evaluated_on = EXCLUDED.evaluated_on,
        seq = nextval('projection_seq'), updated_at = now()
    RETURNING household_id
), gone AS (
    DELETE FROM members WHERE household_id = $1 AND NOT (person_id = ANY($11::text[]))
), kept AS (
    INSERT INTO members (household_id, person_id, birth_date, document_type, pension,
        disability_severity, disability_certified, pregnant, secondary_last_year,
        secondary_completed, in_school)
    SELECT (SELECT household_id FROM household), m.*
    FROM unnest($11::text[], $12::date[], $13::text[], $14::text[], $15::text[], $16::boolean[],
                $17::boolean[], $18::boolean[], $19::boolean[], $20::boolean[]) AS m
    ON CONFLICT (household_id, person_id) DO UPDATE SET
        birth_date = EXCLUDED.birth_date, document_type = EXCLUDED.document_type,
        pension = EXCLUDED.pension, disability_severity = EXCLUDED.disability_severity,
        disability_certified = EXCLUDED.disability_certified, pregnant = EXCLUDED.pregnant,
        secondary_last_year = EXCLUDED.secondary_last_year,
        secondary_completed = EXCLUDED.secondary_completed, in_school = EXCLUDED.in_school
    WHERE (members.birth_date, members.document_type, members.pension, members.disability_severity,
           members.disability_certified, members.pregnant, members.secondary_last_year,
           members.secondary_completed, members.in_school)
          IS DISTINCT FROM
          (EXCLUDED.birth_date, EXCLUDED.document_type, EXCLUDED.pension,
           EXCLUDED.disability_severity, EXCLUDED.disability_certified, EXCLUDED.pregnant,
           EXCLUDED.secondary_last_year, EXCLUDED.secondary_completed, EXCLUDED.in_school)
)
SELECT program, person_id, eligible, benefit_centimos, rule_set_version, priority_points
FROM decisions WHERE household_id = $1
"""


async def apply_snapshot(
    conn: Connection, household: Household, event_id: UUID | None, evaluated_on: date
) -> list[StoredDecision]:
    """The event path's one round trip: replace the household's projection with the snapshot
    (household row, members upserted, departed members deleted), mark it evaluated on
    `evaluated_on` (the caller decides it in the same transaction), and return the decisions
    recorded for it so far. Same effect as replacing the
    projection rows, `mark_evaluated` and `stored_decisions`."""
    cse = household.classification
    members = household.members
    rows = await conn.fetch(
        _APPLY_SNAPSHOT,
        household.household_id,
        household.model_dump_json(),
        household.status == HouseholdStatus.ACTIVE,
        household.ubigeo,
        cse.level.value if cse else None,
        cse.valid_from if cse else None,
        cse.valid_until if cse else None,
        household.residence_since,
        event_id,
        evaluated_on,
        [m.person_id for m in members],
        [m.birth_date for m in members],
        [m.document.type.value for m in members],
        [m.pension.value for m in members],
        [m.disability.severity.value for m in members],
        [m.disability.certified for m in members],
        [m.pregnant for m in members],
        [m.education.secondary_last_year for m in members],
        [m.education.secondary_completed for m in members],
        [m.education.in_school for m in members],
    )
    return [_stored(r) for r in rows]


_APPLY_SNAPSHOTS = """
WITH household AS (
    INSERT INTO households (household_id, snapshot, active, ubigeo, cse_level, cse_valid_from,
                            cse_valid_until, residence_since, last_event_id, evaluated_on)
    SELECT h.household_id, h.snapshot::jsonb, h.active, h.ubigeo, h.cse_level, h.cse_valid_from,
           h.cse_valid_until, h.residence_since, h.last_event_id, $10
    FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::text[], $6::date[],
                $7::date[], $8::date[], $9::uuid[])
         AS h(household_id, snapshot, active, ubigeo, cse_level, cse_valid_from, cse_valid_until,
              residence_since, last_event_id)
    ON CONFLICT (household_id) DO UPDATE SET
        snapshot = EXCLUDED.snapshot, active = EXCLUDED.active, ubigeo = EXCLUDED.ubigeo,
        cse_level = EXCLUDED.cse_level, cse_valid_from = EXCLUDED.cse_valid_from,
        cse_valid_until = EXCLUDED.cse_valid_until, residence_since = EXCLUDED.residence_since,
        last_event_id = EXCLUDED.last_event_id, evaluated_on = EXCLUDED.evaluated_on,
        seq = nextval('projection_seq'), updated_at = now()
), gone AS (
    DELETE FROM members m
    WHERE m.household_id = ANY($1::text[])
      AND NOT EXISTS (SELECT 1 FROM unnest($11::text[], $12::text[]) AS k(household_id, person_id)
                      WHERE k.household_id = m.household_id AND k.person_id = m.person_id)
), kept AS (
    INSERT INTO members (household_id, person_id, birth_date, document_type, pension,
        disability_severity, disability_certified, pregnant, secondary_last_year,
        secondary_completed, in_school)
    SELECT m.*
    FROM unnest($11::text[], $12::text[], $13::date[], $14::text[], $15::text[], $16::text[],
                $17::boolean[], $18::boolean[], $19::boolean[], $20::boolean[], $21::boolean[]) AS m
    ON CONFLICT (household_id, person_id) DO UPDATE SET
        birth_date = EXCLUDED.birth_date, document_type = EXCLUDED.document_type,
        pension = EXCLUDED.pension, disability_severity = EXCLUDED.disability_severity,
        disability_certified = EXCLUDED.disability_certified, pregnant = EXCLUDED.pregnant,
        secondary_last_year = EXCLUDED.secondary_last_year,
        secondary_completed = EXCLUDED.secondary_completed, in_school = EXCLUDED.in_school
    WHERE (members.birth_date, members.document_type, members.pension, members.disability_severity,
           members.disability_certified, members.pregnant, members.secondary_last_year,
           members.secondary_completed, members.in_school)
          IS DISTINCT FROM
          (EXCLUDED.birth_date, EXCLUDED.document_type, EXCLUDED.pension,
           EXCLUDED.disability_severity, EXCLUDED.disability_certified, EXCLUDED.pregnant,
           EXCLUDED.secondary_last_year, EXCLUDED.secondary_completed, EXCLUDED.in_school)
)
SELECT household_id, program, person_id, eligible, benefit_centimos, rule_set_version, priority_points
FROM decisions WHERE household_id = ANY($1::text[])
"""


async def apply_snapshots(
    conn: Connection, households: Sequence[Household], event_ids: Sequence[UUID], evaluated_on: date
) -> dict[str, list[StoredDecision]]:
    """`apply_snapshot` for many households (each at most once) in one round trip: returns the
    decisions recorded so far, by household."""
    members = [(h.household_id, m) for h in households for m in h.members]
    classifications = [h.classification for h in households]
    rows = await conn.fetch(
        _APPLY_SNAPSHOTS,
        [h.household_id for h in households],
        [h.model_dump_json() for h in households],
        [h.status == HouseholdStatus.ACTIVE for h in households],
        [h.ubigeo for h in households],
        [c.level.value if c else None for c in classifications],
        [c.valid_from if c else None for c in classifications],
        [c.valid_until if c else None for c in classifications],
        [h.residence_since for h in households],
        list(event_ids),
        evaluated_on,
        [hid for hid, _ in members],
        [m.person_id for _, m in members],
        [m.birth_date for _, m in members],
        [m.document.type.value for _, m in members],
        [m.pension.value for _, m in members],
        [m.disability.severity.value for _, m in members],
        [m.disability.certified for _, m in members],
        [m.pregnant for _, m in members],
        [m.education.secondary_last_year for _, m in members],
        [m.education.secondary_completed for _, m in members],
        [m.education.in_school for _, m in members],
    )
    stored: dict[str, list[StoredDecision]] = {h.household_id: [] for h in households}
    for r in rows:
        stored[r["household_id"]].append(_stored(r))
    return stored


async def get_household(conn: Connection, household_id: str, *, lock: bool = False) -> Household | None:
    sql = "SELECT snapshot FROM households WHERE household_id = $1" + (" FOR UPDATE" if lock else "")
    raw = await conn.fetchval(sql, household_id)
    return None if raw is None else read_stored(Household, raw)


async def get_households(conn: Connection, household_ids: Sequence[str]) -> list[Household]:
    rows = await conn.fetch(
        "SELECT snapshot FROM households WHERE household_id = ANY($1::text[]) ORDER BY household_id",
        list(household_ids),
    )
    # Snapshots were validated when their event was consumed; one stored before a value rule
    # became stricter (a phone kept as 987654321) is read as it is, never a 500 (docs/values.md).
    return [read_stored(Household, row["snapshot"]) for row in rows]


async def mark_evaluated(conn: Connection, household_id: str, on: date) -> None:
    await conn.execute("UPDATE households SET evaluated_on = $2 WHERE household_id = $1", household_id, on)


async def stored_decisions(conn: Connection, household_id: str) -> list[StoredDecision]:
    rows = await conn.fetch(
        """
        SELECT program, person_id, eligible, benefit_centimos, rule_set_version, priority_points
        FROM decisions WHERE household_id = $1
        """,
        household_id,
    )
    return [_stored(r) for r in rows]


def _stored(r: Any) -> StoredDecision:
    return StoredDecision(
        program=r["program"],
        person_id=r["person_id"] or None,
        eligible=r["eligible"],
        benefit_amount_centimos=r["benefit_centimos"],
        rule_set_version=r["rule_set_version"],
        priority_points=r["priority_points"],
    )


async def recorded_decisions(conn: Connection, household_id: str) -> list[RecordedDecision]:
    """The household's current decisions as recorded, by program and person."""
    rows = await conn.fetch(
        """
        SELECT program, person_id, decision_id, eligible, as_of, cause, caused_by_event_id
        FROM decisions WHERE household_id = $1 ORDER BY program, person_id
        """,
        household_id,
    )
    return [from_row(RecordedDecision, r) for r in rows]


_RECORD_DECISIONS = """
WITH new AS MATERIALIZED (
    SELECT household_id, program, person_id, coalesce(decision_id, gen_random_uuid()) AS decision_id,
           eligible, benefit_kind, benefit_centimos, benefit_period_months, priority_points,
           rule_set_version, as_of, string_to_array(failed, E'\\x1f') AS failed_criteria,
           previous_eligible, caused_by_event_id
    FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::boolean[], $6::text[],
                $7::integer[], $8::integer[], $9::integer[], $10::text[], $11::date[], $12::text[],
                $13::boolean[], $15::uuid[])
         AS t(household_id, program, person_id, decision_id, eligible, benefit_kind, benefit_centimos,
              benefit_period_months, priority_points, rule_set_version, as_of, failed,
              previous_eligible, caused_by_event_id)
), current AS (
    INSERT INTO decisions (household_id, program, person_id, decision_id, eligible, benefit_kind,
        benefit_centimos, benefit_period_months, priority_points, rule_set_version, as_of,
        failed_criteria, cause, caused_by_event_id)
    SELECT household_id, program, person_id, decision_id, eligible, benefit_kind, benefit_centimos,
           benefit_period_months, priority_points, rule_set_version, as_of, failed_criteria, $14,
           caused_by_event_id
    FROM new
    ON CONFLICT (household_id, program, person_id) DO UPDATE SET
        decision_id = EXCLUDED.decision_id, eligible = EXCLUDED.eligible,
        benefit_kind = EXCLUDED.benefit_kind, benefit_centimos = EXCLUDED.benefit_centimos,
        benefit_period_months = EXCLUDED.benefit_period_months,
        priority_points = EXCLUDED.priority_points, rule_set_version = EXCLUDED.rule_set_version,
        as_of = EXCLUDED.as_of, criteria = NULL, failed_criteria = EXCLUDED.failed_criteria,
        cause = EXCLUDED.cause, caused_by_event_id = EXCLUDED.caused_by_event_id, decided_at = now()
)
INSERT INTO decision_log (decision_id, household_id, program, person_id, eligible,
    previous_eligible, benefit_centimos, rule_set_version, as_of, failed_criteria, cause,
    caused_by_event_id)
SELECT decision_id, household_id, program, person_id, eligible, previous_eligible, benefit_centimos,
       rule_set_version, as_of, failed_criteria, $14, caused_by_event_id
FROM new
"""


class NewDecision(NamedTuple):
    """A decision to record: the unit's verdict, what it was before, its id (None: the database
    draws one, for a decision nobody is told about), date and cause."""

    change: VerdictChange
    decision_id: UUID | None
    as_of: date
    caused_by: UUID | None


async def record_decisions(conn: Connection, rows: Sequence[NewDecision], cause: DecisionCause) -> None:
    """Upsert the current decisions and append them to the log, in the caller's transaction:
    one statement (one round trip) for any number of decisions of any number of households.
    A unit (household, program, person) appears at most once in `rows`."""
    if not rows:
        return
    failed: dict[tuple[str, ...], str] = {}  # few combinations: each joined once

    def joined(names: tuple[str, ...]) -> str:
        text = failed.get(names)
        if text is None:
            text = failed[names] = "\x1f".join(names)
        return text

    # One pass builds each row, one transposition the 14 columns (C loops, not 14 passes).
    columns = list(
        zip(
            *[
                (
                    change.household_id,
                    v.program,
                    v.person_id or "",
                    decision_id,
                    v.eligible,
                    v.benefit_kind.value,
                    v.benefit_amount_centimos,
                    v.benefit_period_months,
                    v.priority_points,
                    v.rule_set_version,
                    as_of,
                    joined(v.failed_criteria),
                    change.previous.eligible if change.previous is not None else False,
                    caused_by,
                )
                for change, decision_id, as_of, caused_by in rows
                for v in (change.verdict,)
            ],
            strict=True,
        )
    )
    await conn.execute(_RECORD_DECISIONS, *(list(c) for c in columns[:13]), cause.value, list(columns[13]))


# --- bulk reads for the fast path ---------------------------------------------------------------


async def projection_rows(
    conn: Connection, after_seq: int = 0
) -> tuple[list[HouseholdRow], list[PersonRow], int]:
    """Households changed after `after_seq` (all with 0) and their members, as plain rows."""
    top = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM households")
    households = await conn.fetch(
        """
        SELECT household_id, active, ubigeo, cse_level,
               cse_valid_from - DATE '0001-01-01' + 1 AS cse_from,
               cse_valid_until - DATE '0001-01-01' + 1 AS cse_until,
               extract(year FROM residence_since)::int AS ry,
               extract(month FROM residence_since)::int AS rm,
               extract(day FROM residence_since)::int AS rd
        FROM households WHERE seq > $1 AND seq <= $2
        """,
        after_seq,
        top,
    )
    persons = await conn.fetch(
        """
        SELECT m.household_id, m.person_id, extract(year FROM m.birth_date)::int,
               extract(month FROM m.birth_date)::int, extract(day FROM m.birth_date)::int,
               m.document_type, m.pension, m.disability_severity, m.disability_certified,
               m.pregnant, m.secondary_last_year, m.secondary_completed, m.in_school
        FROM members m JOIN households h USING (household_id)
        WHERE h.seq > $1 AND h.seq <= $2
        """,
        after_seq,
        top,
    )
    return (
        [tuple(r) for r in households],
        [tuple(r) for r in persons],
        int(top),
    )


async def households_evaluated_after(conn: Connection, day: date) -> list[str]:
    """Households decided after `day` (by events) or never decided."""
    rows = await conn.fetch(
        "SELECT household_id FROM households WHERE evaluated_on IS NULL OR evaluated_on > $1", day
    )
    return [r["household_id"] for r in rows]


async def projection_source(conn: Connection) -> str:
    """Which projection this connection reads (database and schema): the in-memory copy's key."""
    value: str = await conn.fetchval("SELECT current_database() || '.' || current_schema()")
    return value


async def last_swept(conn: Connection) -> date | None:
    value: date | None = await conn.fetchval("SELECT last_swept FROM sweep_state WHERE id = 1")
    return value


async def oldest_evaluation(conn: Connection) -> date | None:
    value: date | None = await conn.fetchval("SELECT min(evaluated_on) FROM households")
    return value


async def set_last_swept(conn: Connection, day: date) -> None:
    await conn.execute(
        """
        INSERT INTO sweep_state (id, last_swept) VALUES (1, $1)
        ON CONFLICT (id) DO UPDATE SET last_swept = EXCLUDED.last_swept, finished_at = now()
        """,
        day,
    )


async def try_sweep_lock(conn: Connection) -> bool:
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('eligibility:sweep'))"))
