"""/v1/appointments: book a slot, list and read bookings, cancel one (freeing its slot)."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.values import IsoDate
from fastapi import APIRouter, Depends, Query

from chasqui_migrant_services.application import commands, queries

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/appointments", status_code=201)
async def book_appointment(
    body: s.AppointmentIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> s.AppointmentOut:
    """Book one slot; when the day is full (or another request took the last slot) answer 409."""
    command = commands.BookAppointment(
        migrant_id=body.migrant_id,
        attention_point=body.attention_point,
        service=body.service,
        day=body.day,
        case_id=body.case_id,
    )
    return s.AppointmentOut.of(await run.command(commands.book_appointment, command))


@router.get("/appointments")
async def list_appointments(
    run: UseCases,
    migrant_id: s.Id | None = None,
    attention_point: s.Code | None = None,
    day: IsoDate | None = None,
    limit: int = Query(200, ge=1, le=2000),
    _: Principal = Depends(READ),
) -> list[s.AppointmentOut]:
    query = queries.ListAppointmentsQuery(
        migrant_id=migrant_id, attention_point=attention_point, day=day, limit=limit
    )
    return [s.AppointmentOut.of(a) for a in await run.query(queries.list_appointments, query)]


@router.get("/appointments/{appointment_id}")
async def get_appointment(
    appointment_id: s.Id, run: UseCases, _: Principal = Depends(READ)
) -> s.AppointmentOut:
    query = queries.GetAppointmentQuery(appointment_id)
    return s.AppointmentOut.of(await run.query(queries.get_appointment, query))


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_appointment(
    appointment_id: s.Id, body: s.CancelIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.AppointmentOut:
    command = commands.CancelAppointment(appointment_id=appointment_id, reason=body.reason)
    return s.AppointmentOut.of(await run.command(commands.cancel_appointment, command))
