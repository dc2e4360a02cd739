"""/console/turnos: an office's queue today; call a ticket, mark a no-show, record the attention."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.bootstrap import UseCases
from chasqui_common.values import Uuid
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from chasqui_citizen_attention.api.schemas import AttentionIn
from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application.models import (
    GetCitizenQuery,
    GetTicketQuery,
    ListTicketsQuery,
    MoveTicket,
    RecordAttention,
    Ticket,
)
from chasqui_citizen_attention.console.desk import CHANNELS, OUTCOMES, blank_to_none, desk_of, split_choice
from chasqui_citizen_attention.console.messages import FormErrors
from chasqui_citizen_attention.console.pages import attempt, invalid, render, see_other
from chasqui_citizen_attention.console.session import DEMUNA, WRITE, Clerk, CurrentClerk
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.tickets import TicketStatus

router = APIRouter()

ATTENTION_FIELDS = {
    "procedure": "paso",
    "step": "paso",
    "sector": "sector",
    "channel": "canal",
    "outcome": "resultado",
    "duration_seconds": "duracion",
    "notes": "notas",
    "ticket_id": "paso",
    "status": "paso",
    "scope": "paso",
}


def _office(clerk: Clerk, oficina: str) -> Office:
    chosen = oficina or clerk.office or ""
    return Office(chosen) if chosen in Office.__members__ else Office.ULE


@router.get("/turnos")
async def queue(request: Request, run: UseCases, clerk: CurrentClerk, oficina: str = "") -> Response:
    office = _office(clerk, oficina)
    desk = await desk_of(run, clerk)
    tickets = await run.query(
        queries.list_tickets, ListTicketsQuery(municipality=clerk.municipality, office=office)
    )
    names: dict[str, str] = {}
    for ticket in tickets:
        if ticket.citizen_id and ticket.citizen_id not in names:
            view = await run.command(
                queries.get_citizen, GetCitizenQuery(ticket.citizen_id, caller=clerk.caller)
            )
            names[ticket.citizen_id] = " ".join(
                p for p in (view.citizen.given_names, view.citizen.paternal_surname) if p
            )
    return render(
        request,
        "queue.html",
        desk=desk,
        title=f"Turnos · {office.value}",
        clerk=clerk,
        section="turnos",
        office=office.value,
        office_options=desk.office_options(),
        tickets=tickets,
        names=names,
        procedure_names=desk.procedure_names(),
    )


async def _move(
    run: UseCases, clerk: Clerk, ticket_id: str, status: TicketStatus
) -> tuple[Ticket | None, FormErrors | None]:
    clerk.require(WRITE)
    done = await attempt(run.command(commands.move_ticket, MoveTicket(ticket_id, status, clerk.name)))
    return done.value, done.errors


@router.post("/turnos/{ticket_id}/llamar")
async def call(request: Request, ticket_id: Uuid, run: UseCases, clerk: CurrentClerk) -> Response:
    ticket, errors = await _move(run, clerk, ticket_id, TicketStatus.CALLED)
    if errors is not None or ticket is None:
        return render(
            request,
            "message.html",
            title="No se pudo llamar el turno",
            clerk=clerk,
            section="turnos",
            errors=errors,
        )
    return see_other(f"/turnos/{ticket_id}/atencion", f"Turno {ticket.code} llamado.")


@router.post("/turnos/{ticket_id}/no-se-presento")
async def no_show(request: Request, ticket_id: Uuid, run: UseCases, clerk: CurrentClerk) -> Response:
    ticket, errors = await _move(run, clerk, ticket_id, TicketStatus.NO_SHOW)
    if errors is not None or ticket is None:
        return render(
            request,
            "message.html",
            title="No se pudo cambiar el turno",
            clerk=clerk,
            section="turnos",
            errors=errors,
        )
    return see_other(f"/turnos?oficina={ticket.office.value}", f"Turno {ticket.code}: no se presentó.")


async def attention_page(
    request: Request,
    run: UseCases,
    clerk: Clerk,
    ticket_id: str,
    *,
    notice: str | None = None,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    found = await attempt(run.query(queries.get_ticket, GetTicketQuery(ticket_id)))
    if found.value is None:
        return render(
            request,
            "message.html",
            title="Turno no encontrado",
            clerk=clerk,
            section="turnos",
            errors=found.errors,
            status_code=404,
        )
    ticket = found.value
    desk = await desk_of(run, clerk)
    citizen, citizen_name = None, ""
    if ticket.citizen_id:
        view = await run.command(queries.get_citizen, GetCitizenQuery(ticket.citizen_id, caller=clerk.caller))
        citizen = view.citizen
        citizen_name = " ".join(
            p for p in (citizen.given_names, citizen.paternal_surname, citizen.maternal_surname) if p
        )
    groups = desk.step_groups(ticket.office)
    default_step = next(
        (
            value
            for _, options in groups
            for value, _ in options
            if ticket.procedure and value.startswith(ticket.procedure + "|")
        ),
        "",
    )
    return render(
        request,
        "attention.html",
        desk=desk,
        title=f"Registrar atención · {ticket.code}",
        clerk=clerk,
        section="turnos",
        notice=notice,
        errors=errors,
        form=form or {},
        ticket=ticket,
        citizen=citizen,
        citizen_name=citizen_name,
        step_groups=groups,
        default_step=default_step,
        sector_options=desk.sector_options(),
        channel_options=list(CHANNELS.items()),
        outcome_options=list(OUTCOMES.items()),
    )


@router.get("/turnos/{ticket_id}/atencion")
async def attention_form(request: Request, ticket_id: Uuid, run: UseCases, clerk: CurrentClerk) -> Response:
    return await attention_page(request, run, clerk, ticket_id)


@router.post("/turnos/{ticket_id}/atencion")
async def record_attention(
    request: Request,
    ticket_id: Uuid,
    run: UseCases,
    clerk: CurrentClerk,
    paso: Annotated[str, Form()] = "",
    sector: Annotated[str, Form()] = "",
    canal: Annotated[str, Form()] = "",
    resultado: Annotated[str, Form()] = "",
    duracion: Annotated[str, Form()] = "",
    notas: Annotated[str, Form()] = "",
) -> Response:
    clerk.require(WRITE)
    form = {
        "paso": paso,
        "sector": sector,
        "canal": canal,
        "resultado": resultado,
        "duracion": duracion,
        "notas": notas,
    }
    found = await attempt(run.query(queries.get_ticket, GetTicketQuery(ticket_id)))
    if found.value is None or found.value.citizen_id is None:
        errors = found.errors or FormErrors(
            "El turno no tiene una persona asociada; búsquela y emita el turno desde su ficha."
        )
        return await attention_page(request, run, clerk, ticket_id, errors=errors, form=form)
    ticket = found.value
    procedure, step = split_choice(paso)
    values = blank_to_none(form)
    minutes = values["duracion"]
    if minutes is None or not minutes.isdigit():
        errors = FormErrors(
            "Revise los datos marcados.",
            {"duracion": "Escriba la duración en minutos enteros, por ejemplo 15."},
        )
        return await attention_page(request, run, clerk, ticket_id, errors=errors, form=form)
    try:
        body = AttentionIn.model_validate(
            {
                "municipality": clerk.municipality,
                "office": ticket.office,
                "procedure": procedure or None,
                "step": step,
                "citizen_id": ticket.citizen_id,
                "staff": clerk.name,
                "channel": values["canal"],
                "outcome": values["resultado"],
                "duration_seconds": int(minutes) * 60,
                "ticket_id": ticket_id,
                "notes": values["notas"],
                "sector": values["sector"],
            }
        )
    except ValidationError as error:
        return await attention_page(
            request, run, clerk, ticket_id, errors=invalid(error, ATTENTION_FIELDS), form=form
        )
    command = RecordAttention(
        municipality=body.municipality,
        office=body.office,
        procedure=body.procedure,
        step=body.step,
        citizen_id=body.citizen_id,
        staff=body.staff,
        channel=body.channel,
        outcome=body.outcome,
        duration_seconds=body.duration_seconds,
        may_read_confidential=clerk.can(DEMUNA),
        ticket_id=body.ticket_id,
        notes=body.notes,
        sector=body.sector,
    )
    done = await attempt(run.command(commands.record_attention, command), ATTENTION_FIELDS)
    if done.errors is not None:
        return await attention_page(request, run, clerk, ticket_id, errors=done.errors, form=form)
    return see_other(f"/personas/{ticket.citizen_id}", f"Atención del turno {ticket.code} registrada.")
