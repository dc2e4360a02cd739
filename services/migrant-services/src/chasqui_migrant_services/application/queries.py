"""Queries: `verb_noun(reader, query)`, each in one read-only transaction (a consistent snapshot).

Reads of people and cases take a `UnitOfWork` instead and run through `Transactions.command`: they
write their access record (chasqui_common.audit), and a lookup by document takes a rate-limit
token, in the transaction of the read. They check the caller's Migracentro (domain/access.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from chasqui_common.application import Reader, UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import InvalidValue
from chasqui_common.events.migrants import CaseService
from chasqui_common.events.registry import DocumentType
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS, take_token
from chasqui_common.values import validate_document

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.application.commands import record_case_access
from chasqui_migrant_services.application.lookups import (
    load_appointment,
    load_case,
    load_migrant,
    load_point,
    load_referral,
)
from chasqui_migrant_services.domain.access import check_point, is_national, may_see
from chasqui_migrant_services.domain.appointments import Appointment, SlotDay, open_days
from chasqui_migrant_services.domain.attention_points import AttentionPoint
from chasqui_migrant_services.domain.cases import Case, CaseStatus, Referral
from chasqui_migrant_services.domain.migrants import Migrant

# ---------------------------------------------------------------- attention points


@dataclass(frozen=True)
class ListAttentionPointsQuery:
    pass


@dataclass(frozen=True)
class GetAttentionPointQuery:
    code: str


@dataclass(frozen=True)
class ListFreeSlotsQuery:
    code: str
    start: date | None = None
    """First day (default: today in Lima)."""
    days: int = 14
    service: CaseService | None = None


@dataclass(frozen=True)
class DaySlots:
    day: date
    opens: str
    closes: str
    services: list[SlotDay]


@dataclass(frozen=True)
class FreeSlots:
    attention_point: str
    days: list[DaySlots]


async def list_attention_points(reader: Reader, query: ListAttentionPointsQuery) -> list[AttentionPoint]:
    return await repository.list_points(reader.conn)


async def get_attention_point(reader: Reader, query: GetAttentionPointQuery) -> AttentionPoint:
    return await load_point(reader.conn, query.code, field="code")


async def list_free_slots(reader: Reader, query: ListFreeSlotsQuery) -> FreeSlots:
    """Capacity, booked and free per open day and service, from `start` for `days` days."""
    point = await load_point(reader.conn, query.code, field="code")
    start = query.start or reader.clock.today()
    end = start + timedelta(days=query.days - 1)
    used = await repository.slot_days(reader.conn, point.code, start, end, query.service)
    services = [
        s for s, c in point.daily_capacity.items() if c > 0 and (query.service is None or s is query.service)
    ]
    result: list[DaySlots] = []
    for day in open_days(point, start, query.days):
        hours = point.hours_on(day)
        assert hours is not None
        result.append(
            DaySlots(
                day,
                f"{hours.opens:%H:%M}",
                f"{hours.closes:%H:%M}",
                [
                    used.get((s, day)) or SlotDay(point.code, s, day, point.daily_capacity[s], 0)
                    for s in services
                ],
            )
        )
    return FreeSlots(attention_point=query.code, days=result)


# ---------------------------------------------------------------- migrants


@dataclass(frozen=True)
class FindMigrantsQuery:
    document_type: DocumentType
    document_number: str
    caller: Caller


@dataclass(frozen=True)
class GetMigrantQuery:
    migrant_id: str
    caller: Caller


def _documents(migrants: list[Migrant]) -> list[tuple[str, str]]:
    return [(d.type.value, d.number) for m in migrants for d in m.documents]


async def _record_people(
    uow: UnitOfWork, caller: Caller, operation: str, migrants: list[Migrant], extra: list[tuple[str, str]]
) -> None:
    await record_access(
        uow,
        caller,
        Access(
            operation=f"migrant-services.{operation}",
            resource_type="migrant",
            resource_ids=[m.migrant_id for m in migrants],
            documents=[*_documents(migrants), *extra],
            outcome=OK if migrants else NONE_FOUND,
        ),
    )


async def find_migrants(uow: UnitOfWork, query: FindMigrantsQuery) -> list[Migrant]:
    """Look a person up by one of their documents, by its canonical number (the shared document rule).

    Rate-limited per client (DOCUMENT_LOOKUPS, RateLimited beyond); a Migracentro finds the people
    registered at its own attention points only (others are left out: a 403 would say the number
    is known elsewhere); recorded, found or not."""
    await take_token(uow.conn, DOCUMENT_LOOKUPS, query.caller.subject, uow.clock.now())
    try:
        number = validate_document(query.document_type, query.document_number)
    except InvalidValue as exc:
        raise InvalidValue(
            exc.detail, field="document_number", value=query.document_number, expected=exc.expected
        ) from None
    if number is None:
        return []
    found = await repository.find_migrants(uow.conn, query.document_type, number)
    visible = [m for m in found if may_see(query.caller.scope, m.attention_point)]
    await _record_people(uow, query.caller, "migrant.lookup", visible, [(query.document_type.value, number)])
    return visible


async def get_migrant(uow: UnitOfWork, query: GetMigrantQuery) -> Migrant:
    """The person, if registered at one of the caller's Migracentros (OutsideMigracentro, 403)."""
    migrant = await load_migrant(uow.conn, query.migrant_id)
    check_point(query.caller.scope, migrant.attention_point, field="migrant_id")
    await _record_people(uow, query.caller, "migrant.read", [migrant], [])
    return migrant


# ---------------------------------------------------------------- cases and referrals


@dataclass(frozen=True)
class ListCasesQuery:
    migrant_id: str | None = None
    attention_point: str | None = None
    status: CaseStatus | None = None
    limit: int = 100
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class GetCaseQuery:
    case_id: str
    caller: Caller


@dataclass(frozen=True)
class ListReferralsQuery:
    case_id: str
    caller: Caller


@dataclass(frozen=True)
class GetReferralQuery:
    referral_id: str
    caller: Caller


async def list_cases(uow: UnitOfWork, query: ListCasesQuery) -> list[Case]:
    """Newest first, without their history. A Migracentro lists its own cases: asking for another
    attention point is OutsideMigracentro (403), asking for none lists those of its own points."""
    scope = query.caller.scope
    if query.attention_point is not None:
        check_point(scope, query.attention_point, field="attention_point")
    cases = await repository.list_cases(
        uow.conn,
        migrant_id=query.migrant_id,
        attention_point=query.attention_point,
        status=query.status,
        limit=query.limit,
        within=None if is_national(scope) else sorted(scope.migracentros),
    )
    if cases:
        await record_case_access(uow, query.caller, "case.list", cases)
    return cases


async def get_case(uow: UnitOfWork, query: GetCaseQuery) -> Case:
    """The case with its history, if it is of one of the caller's Migracentros (403 otherwise:
    case ids are random UUIDs, so the refusal discloses nothing)."""
    case = await load_case(uow.conn, query.case_id)
    check_point(query.caller.scope, case.attention_point, field="case_id")
    await record_case_access(uow, query.caller, "case.read", [case])
    return case


async def list_referrals(uow: UnitOfWork, query: ListReferralsQuery) -> list[Referral]:
    """A case's referrals in the order they were issued (the case's Migracentro only)."""
    case = await load_case(uow.conn, query.case_id)
    check_point(query.caller.scope, case.attention_point, field="case_id")
    await record_case_access(uow, query.caller, "referral.list", [case])
    return await repository.list_referrals(uow.conn, case.case_id)


async def get_referral(uow: UnitOfWork, query: GetReferralQuery) -> Referral:
    """A referral, if issued by one of the caller's Migracentros."""
    referral = await load_referral(uow.conn, query.referral_id)
    check_point(query.caller.scope, referral.attention_point, field="referral_id")
    case = await load_case(uow.conn, referral.case_id)
    await record_case_access(uow, query.caller, "referral.read", [case])
    return referral


# ---------------------------------------------------------------- appointments


@dataclass(frozen=True)
class ListAppointmentsQuery:
    migrant_id: str | None = None
    attention_point: str | None = None
    day: date | None = None
    limit: int = 200


@dataclass(frozen=True)
class GetAppointmentQuery:
    appointment_id: str


async def list_appointments(reader: Reader, query: ListAppointmentsQuery) -> list[Appointment]:
    """By day, then booking time."""
    return await repository.list_appointments(
        reader.conn,
        migrant_id=query.migrant_id,
        attention_point=query.attention_point,
        day=query.day,
        limit=query.limit,
    )


async def get_appointment(reader: Reader, query: GetAppointmentQuery) -> Appointment:
    return await load_appointment(reader.conn, query.appointment_id)


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class GetAttentionPointStatsQuery:
    start: date | None = None
    """First day (default: 30 days before `end`)."""
    end: date | None = None
    """Last day, inclusive (default: today in Lima)."""


@dataclass(frozen=True)
class PointStats:
    attention_point: str
    name: str
    cases_opened: int
    cases_closed: int
    appointments_booked: int
    appointments_cancelled: int
    referrals: int
    referrals_by_target: dict[str, int]


@dataclass(frozen=True)
class AttentionPointStats:
    period_from: date
    period_to: date
    attention_points: list[PointStats]


async def get_attention_point_stats(
    reader: Reader, query: GetAttentionPointStatsQuery
) -> AttentionPointStats:
    """Cases opened and closed, appointments (by appointment day) and referrals per attention point."""
    end = query.end or reader.clock.today()
    start = query.start or end - timedelta(days=30)
    if start > end:
        raise InvalidValue(
            "the period starts after it ends",
            field="from",
            value=start.isoformat(),
            expected=f"a date not after {end}",
        )
    rows = await repository.attention_point_stats(reader.conn, start, end)
    return AttentionPointStats(
        period_from=start,
        period_to=end,
        attention_points=[
            PointStats(**vars(row), referrals=sum(row.referrals_by_target.values())) for row in rows
        ],
    )
