"""The queue at an office: a ticket is issued, called, attended, closed, or marked no-show."""

from __future__ import annotations

from enum import StrEnum

from chasqui_citizen_attention.domain.errors import TicketAlreadyCalled, TicketTransitionInvalid


class TicketStatus(StrEnum):
    ISSUED = "issued"
    CALLED = "called"
    ATTENDED = "attended"
    CLOSED = "closed"
    NO_SHOW = "no_show"


ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.ISSUED: frozenset({TicketStatus.CALLED, TicketStatus.NO_SHOW}),
    TicketStatus.CALLED: frozenset({TicketStatus.ATTENDED, TicketStatus.CLOSED, TicketStatus.NO_SHOW}),
    TicketStatus.ATTENDED: frozenset({TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
    TicketStatus.NO_SHOW: frozenset(),
}
"""A called ticket may be closed directly (a short attention recorded at once); an issued one can
be a no-show when its holder left before the call."""


def check_ticket_move(ticket_id: str, current: TicketStatus, target: TicketStatus) -> None:
    """Raise unless `current -> target` is allowed; calling a ticket twice is its own error."""
    if target is TicketStatus.CALLED and current is not TicketStatus.ISSUED:
        raise TicketAlreadyCalled(
            f"ticket {ticket_id} was called already (it is {current.value})",
            field="status",
            value=current.value,
            expected="an issued ticket",
        )
    if target not in ALLOWED[current]:
        allowed = sorted(s.value for s in ALLOWED[current]) or ["none: the ticket is finished"]
        raise TicketTransitionInvalid(
            f"ticket {ticket_id} cannot move from {current.value} to {target.value}",
            field="status",
            value=target.value,
            expected="one of " + ", ".join(allowed),
        )
