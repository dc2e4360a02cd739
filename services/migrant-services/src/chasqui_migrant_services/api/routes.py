"""HTTP API under /v1: parse, call the application, answer (domain errors become problem details)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import ServiceRuntime, runtime
from chasqui_common.events.migrants import CaseService
from chasqui_common.events.registry import DocumentType
from chasqui_common.http.problems import FieldError, ProblemError
from fastapi import APIRouter, Depends, Query

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.application import commands, queries
from chasqui_migrant_services.application.expiry_watch import sweep
from chasqui_migrant_services.domain.attention_points import AttentionPoint, parse_opening_hours
from chasqui_migrant_services.domain.cases import CaseStatus
from chasqui_migrant_services.domain.errors import DomainError
from chasqui_migrant_services.domain.migrants import Document, Migrant

from . import schemas as s

router = APIRouter(prefix="/v1", tags=["migrants"])
READ = require_scopes("migrants:read")
WRITE = require_scopes("migrants:write")


@contextlib.contextmanager
def domain_problems() -> Iterator[None]:
    """Turn a broken domain rule into a problem document naming field, value and expectation."""
    try:
        yield
    except DomainError as exc:
        errors = (
            [FieldError(field=exc.field, value=exc.value, expected=exc.expected or exc.detail)]
            if exc.field
            else None
        )
        raise ProblemError(exc.status, exc.kind, exc.title, exc.detail, errors=errors) from exc


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- attention points


@router.get("/attention-points")
async def list_attention_points(
    rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> list[s.AttentionPointOut]:
    async with rt.pool.acquire() as conn:
        return [s.AttentionPointOut.of(p) for p in await repository.list_points(conn)]


@router.post("/attention-points", status_code=201)
async def create_attention_point(
    body: s.AttentionPointIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> s.AttentionPointOut:
    with domain_problems():
        point = AttentionPoint(
            code=body.code,
            name=body.name,
            ubigeo=body.ubigeo,
            address=body.address,
            opening_hours=parse_opening_hours(body.opening_hours),
            daily_capacity=dict(body.daily_capacity),
        )
        async with rt.unit_of_work() as uow:
            await commands.register_point(uow, point)
    return s.AttentionPointOut.of(point)


@router.get("/attention-points/{code}")
async def get_attention_point(
    code: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> s.AttentionPointOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            return s.AttentionPointOut.of(await commands.point_or_404(uow, code, field="code"))


@router.put("/attention-points/{code}/capacity/{service}")
async def set_capacity(
    code: str,
    service: CaseService,
    body: s.CapacityIn,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(WRITE),
) -> s.AttentionPointOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            point = await commands.set_capacity(uow, code, service, body.daily_capacity)
    return s.AttentionPointOut.of(point)


@router.get("/attention-points/{code}/slots")
async def attention_point_slots(
    code: str,
    service: CaseService | None = None,
    start: date | None = Query(None, alias="from", description="First day (default: today, Lima)"),
    days: int = Query(14, ge=1, le=92),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> s.SlotsOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            point = await commands.point_or_404(uow, code, field="code")
            result = await queries.free_slots(
                uow.conn, point, start or commands.lima_today(_now()), days, service
            )
    return s.SlotsOut(
        attention_point=code,
        days=[
            s.DaySlotsOut(
                day=d.day,
                opens=d.opens,
                closes=d.closes,
                services=[
                    s.ServiceSlotsOut(service=x.service, capacity=x.capacity, booked=x.booked, free=x.free)
                    for x in d.services
                ],
            )
            for d in result
        ],
    )


# ---------------------------------------------------------------- migrants


@router.post("/migrants", status_code=201)
async def register_migrant(
    body: s.MigrantIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> s.MigrantOut:
    migrant = Migrant(
        migrant_id=str(uuid.uuid4()),
        attention_point=body.attention_point,
        given_names=body.given_names,
        paternal_surname=body.paternal_surname,
        maternal_surname=body.maternal_surname,
        birth_date=body.birth_date,
        sex=body.sex,
        nationality=body.nationality,
        entry_date=body.entry_date,
        phone=body.contact.phone,
        email=body.contact.email,
        consent_sms=body.contact.consent.sms,
        consent_email=body.contact.consent.email,
        consent_whatsapp=body.contact.consent.whatsapp,
        occupations=tuple(body.occupations),
        skills=tuple(body.skills),
        registered_at=_now(),
        documents=tuple(Document(d.type, d.number, d.expires_on) for d in body.documents),
    )
    with domain_problems():
        async with rt.unit_of_work() as uow:
            migrant = await commands.register_migrant(uow, migrant, _now())
    return s.MigrantOut.of(migrant)


@router.get("/migrants")
async def find_migrants(
    document_type: DocumentType,
    document_number: str,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> list[s.MigrantOut]:
    """Look a person up by one of their documents."""
    number = document_number.replace(" ", "").replace(".", "").upper()
    async with rt.pool.acquire() as conn:
        return [s.MigrantOut.of(m) for m in await repository.find_migrants(conn, document_type, number)]


@router.get("/migrants/{migrant_id}")
async def get_migrant(
    migrant_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> s.MigrantOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            return s.MigrantOut.of(await commands.migrant_or_404(uow, migrant_id))


@router.put("/migrants/{migrant_id}/documents")
async def save_document(
    migrant_id: str, body: s.DocumentIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> s.MigrantOut:
    """Add a document, or renew the person's document of that type (new number or expiry)."""
    with domain_problems():
        async with rt.unit_of_work() as uow:
            migrant = await commands.save_document(
                uow, migrant_id, Document(body.type, body.number, body.expires_on)
            )
    return s.MigrantOut.of(migrant)


# ---------------------------------------------------------------- cases


@router.post("/cases", status_code=201)
async def open_case(
    body: s.CaseIn, rt: ServiceRuntime = Depends(runtime), who: Principal = Depends(WRITE)
) -> s.CaseOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            case = await commands.open_case(
                uow,
                body.migrant_id,
                body.attention_point,
                tuple(body.requested_services),
                who.subject,
                _now(),
            )
    return s.CaseOut.of(case)


@router.get("/cases")
async def list_cases(
    migrant_id: str | None = None,
    attention_point: str | None = None,
    status: CaseStatus | None = None,
    limit: int = Query(100, ge=1, le=1000),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> list[s.CaseOut]:
    async with rt.pool.acquire() as conn:
        cases = await repository.list_cases(
            conn, migrant_id=migrant_id, attention_point=attention_point, status=status, limit=limit
        )
    return [s.CaseOut.of(c, with_history=False) for c in cases]


@router.get("/cases/{case_id}")
async def get_case(
    case_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> s.CaseOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            return s.CaseOut.of(await commands.case_or_404(uow, case_id))


@router.get("/cases/{case_id}/history")
async def case_history(
    case_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> list[s.HistoryOut]:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            case = await commands.case_or_404(uow, case_id)
    return s.CaseOut.of(case).history or []


@router.post("/cases/{case_id}/transitions")
async def move_case(
    case_id: str, body: s.TransitionIn, rt: ServiceRuntime = Depends(runtime), who: Principal = Depends(WRITE)
) -> s.CaseOut:
    """Start working on a case (in_progress) or close it with its outcome; invalid moves answer 409."""
    with domain_problems():
        async with rt.unit_of_work() as uow:
            case = await commands.move_case(uow, case_id, body.status, body.note, who.subject, _now())
    return s.CaseOut.of(case)


@router.post("/cases/{case_id}/referrals", status_code=201)
async def issue_referral(
    case_id: str, body: s.ReferralIn, rt: ServiceRuntime = Depends(runtime), who: Principal = Depends(WRITE)
) -> s.ReferralOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            referral = await commands.issue_referral(
                uow, case_id, body.target, body.notes, body.employment, who.subject, _now()
            )
    return s.ReferralOut(**referral)


@router.get("/cases/{case_id}/referrals")
async def case_referrals(
    case_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> list[s.ReferralOut]:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            await commands.case_or_404(uow, case_id)
            return [s.ReferralOut(**r) for r in await repository.list_referrals(uow.conn, case_id)]


@router.get("/referrals/{referral_id}")
async def get_referral(
    referral_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> s.ReferralOut:
    async with rt.pool.acquire() as conn:
        referral = await repository.get_referral(conn, referral_id)
    if referral is None:
        raise ProblemError(404, "not-found", "Not found", f"referral {referral_id} does not exist")
    return s.ReferralOut(**referral)


# ---------------------------------------------------------------- appointments


@router.post("/appointments", status_code=201)
async def book_appointment(
    body: s.AppointmentIn, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
) -> s.AppointmentOut:
    """Book one slot; when the day is full (or another request took the last slot) answer 409."""
    with domain_problems():
        async with rt.unit_of_work() as uow:
            appointment = await commands.book_appointment(
                uow, body.migrant_id, body.attention_point, body.service, body.day, body.case_id, _now()
            )
    return s.AppointmentOut(**appointment)


@router.get("/appointments")
async def list_appointments(
    migrant_id: str | None = None,
    attention_point: str | None = None,
    day: date | None = None,
    limit: int = Query(200, ge=1, le=2000),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> list[s.AppointmentOut]:
    async with rt.pool.acquire() as conn:
        rows = await repository.list_appointments(
            conn, migrant_id=migrant_id, attention_point=attention_point, day=day, limit=limit
        )
    return [s.AppointmentOut(**row) for row in rows]


@router.get("/appointments/{appointment_id}")
async def get_appointment(
    appointment_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(READ)
) -> s.AppointmentOut:
    async with rt.pool.acquire() as conn:
        appointment = await repository.get_appointment(conn, appointment_id)
    if appointment is None:
        raise ProblemError(404, "not-found", "Not found", f"appointment {appointment_id} does not exist")
    return s.AppointmentOut(**appointment)


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_appointment(
    appointment_id: str,
    body: s.CancelIn,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(WRITE),
) -> s.AppointmentOut:
    with domain_problems():
        async with rt.unit_of_work() as uow:
            appointment = await commands.cancel_appointment(uow, appointment_id, body.reason, _now())
    return s.AppointmentOut(**appointment)


# ---------------------------------------------------------------- document expiry watch and stats


@router.post("/document-expiry/sweeps")
async def sweep_expiring_documents(
    as_of: date | None = Query(None, description="Sweep as if today were this date (default: today, Lima)"),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(WRITE),
) -> s.SweepOut:
    """Run the expiry watch now; documents already announced for their expiry are not announced again."""
    day = as_of or commands.lima_today(_now())
    announced = await sweep(rt, datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    return s.SweepOut(as_of=day, announced=announced)


@router.get("/stats/attention-points", response_model_by_alias=True)
async def attention_point_stats(
    start: date | None = Query(None, alias="from", description="First day (default: 30 days ago)"),
    end: date | None = Query(None, alias="to", description="Last day, inclusive (default: today)"),
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = Depends(READ),
) -> s.StatsOut:
    """Cases opened and closed, appointments (by appointment day) and referrals per attention point."""
    end = end or commands.lima_today(_now())
    start = start or end - timedelta(days=30)
    if start > end:
        raise ProblemError(
            422,
            "validation",
            "Request is not valid",
            "the period starts after it ends",
            errors=[FieldError(field="from", value=start.isoformat(), expected=f"a date not after {end}")],
        )
    async with rt.pool.acquire() as conn:
        rows = await queries.attention_point_stats(conn, start, end)
    return s.StatsOut(
        period_from=start, period_to=end, attention_points=[s.PointStatsOut(**row) for row in rows]
    )
