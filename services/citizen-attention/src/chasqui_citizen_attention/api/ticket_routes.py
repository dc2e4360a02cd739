"""/v1/tickets and /v1/attentions: the queue of an office and the record of each visit."""

from __future__ import annotations

from chasqui_common.auth import CALLER, Caller, Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.values import IsoDate, Ubigeo
from fastapi import APIRouter, Depends

from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application import models as m
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.tickets import TicketStatus

from . import schemas as s
from .scopes import READ, WRITE, may_read_confidential

router = APIRouter()


@router.post("/tickets", status_code=201)
async def issue_ticket(
    body: s.TicketIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> s.TicketOut:
    command = m.IssueTicket(body.municipality, body.office, body.citizen_id, body.procedure)
    return s.TicketOut.of_ticket(await run.command(commands.issue_ticket, command))


@router.get("/tickets")
async def list_tickets(
    municipality: Ubigeo,
    office: Office,
    run: UseCases,
    day: IsoDate | None = None,
    status: TicketStatus | None = None,
    _: Principal = Depends(READ),
) -> list[s.TicketOut]:
    """An office's tickets of a day (default today, Lima), in number order."""
    query = m.ListTicketsQuery(municipality, office, day, status)
    return [s.TicketOut.of_ticket(t) for t in await run.query(queries.list_tickets, query)]


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: s.Id, run: UseCases, _: Principal = Depends(READ)) -> s.TicketOut:
    return s.TicketOut.of_ticket(await run.query(queries.get_ticket, m.GetTicketQuery(ticket_id)))


async def _move(run: UseCases, ticket_id: str, status: TicketStatus, body: s.TicketMoveIn) -> s.TicketOut:
    command = m.MoveTicket(ticket_id, status, body.staff)
    return s.TicketOut.of_ticket(await run.command(commands.move_ticket, command))


@router.post("/tickets/{ticket_id}/call")
async def call_ticket(
    ticket_id: s.Id, body: s.TicketMoveIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.TicketOut:
    """Call an issued ticket; calling it again answers 409 ticket-already-called."""
    return await _move(run, ticket_id, TicketStatus.CALLED, body)


@router.post("/tickets/{ticket_id}/attend")
async def attend_ticket(
    ticket_id: s.Id, body: s.TicketMoveIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.TicketOut:
    """The called person is at the desk: the attention starts."""
    return await _move(run, ticket_id, TicketStatus.ATTENDED, body)


@router.post("/tickets/{ticket_id}/close")
async def close_ticket(
    ticket_id: s.Id, body: s.TicketMoveIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.TicketOut:
    return await _move(run, ticket_id, TicketStatus.CLOSED, body)


@router.post("/tickets/{ticket_id}/no-show")
async def no_show(
    ticket_id: s.Id, body: s.TicketMoveIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.TicketOut:
    return await _move(run, ticket_id, TicketStatus.NO_SHOW, body)


@router.post("/attentions", status_code=201)
async def record_attention(
    body: s.AttentionIn, run: IdempotentUseCases, who: Principal = Depends(WRITE)
) -> s.AttentionOut:
    """Record a visit; at DEMUNA the token needs attention:demuna (403 demuna-confidential)."""
    command = m.RecordAttention(
        municipality=body.municipality,
        office=body.office,
        procedure=body.procedure,
        step=body.step,
        citizen_id=body.citizen_id,
        staff=body.staff,
        channel=body.channel,
        outcome=body.outcome,
        duration_seconds=body.duration_seconds,
        may_read_confidential=may_read_confidential(who),
        ticket_id=body.ticket_id,
        notes=body.notes,
        sector=body.sector,
        started_at=body.started_at,
    )
    return s.AttentionOut.of_attention(await run.command(commands.record_attention, command))


@router.get("/attentions/{attention_id}")
async def get_attention(
    attention_id: s.Id, run: UseCases, who: Principal = Depends(READ), caller: Caller = CALLER
) -> s.AttentionOut:
    """One attention; a DEMUNA one answers 403 demuna-confidential without attention:demuna."""
    query = m.GetAttentionQuery(attention_id, may_read_confidential(who), caller=caller)
    return s.AttentionOut.of_attention(await run.command(queries.get_attention, query))
