"""Use cases that read: municipal data, citizens, tickets, attentions, referrals, S100 deadlines,
a person's timeline, the attention figures and the process map of a procedure.

`async def verb_noun(reader: Reader, query: VerbNounQuery) -> Result`, in a read-only transaction
(`Transactions.query`) — except the reads of a person's data (`find_citizen`, `get_citizen`,
`get_timeline`, `get_attention`): they write their access record (chasqui_common.audit; a lookup
by document also takes a rate-limit token) in the read's own transaction, so they take a
`UnitOfWork` and run through `Transactions.command` (docs/privacy.md, ADR 0011).
"""

from __future__ import annotations

from datetime import date

from chasqui_common.application.unit_of_work import Reader, UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS, take_token

from chasqui_citizen_attention.adapters import repository
from chasqui_citizen_attention.application import lookups
from chasqui_citizen_attention.application.models import (
    AttentionFigures,
    AttentionFiguresQuery,
    CitizenLookup,
    CitizenView,
    ClassificationDeadlines,
    ComplianceFigures,
    FindCitizenQuery,
    GetAttentionQuery,
    GetCitizenQuery,
    GetMunicipalityQuery,
    GetReferralQuery,
    GetRequestQuery,
    GetTicketQuery,
    GetTimelineQuery,
    ListClassificationDeadlinesQuery,
    ListMunicipalitiesQuery,
    ListReferralsQuery,
    ListTicketsQuery,
    ProcessMap,
    ProcessMapQuery,
    ProcessStep,
    ProcessTransition,
    RequestDeadlines,
    Timeline,
)
from chasqui_citizen_attention.domain import classification as s100
from chasqui_citizen_attention.domain.confidentiality import check_confidential_access
from chasqui_citizen_attention.domain.errors import (
    AttentionNotFound,
    InvalidPeriod,
    ReferralNotFound,
    RequestNotFound,
    TicketNotFound,
)
from chasqui_citizen_attention.domain.municipalities import Municipality, Office
from chasqui_citizen_attention.domain.records import (
    Attention,
    Citizen,
    ClassificationRequest,
    Referral,
    Ticket,
    TimelineEntry,
    TimelineKind,
)

MAX_PERIOD_DAYS = 366
"""Longest period one figures query covers."""


SERVICE = "citizen-attention"


def _view(citizen: Citizen, today: date) -> CitizenView:
    return CitizenView(citizen, citizen.age_on(today), citizen.cse_in_force(today))


def _person_ids(citizen: Citizen) -> list[str]:
    """The ids the access record names the person by: this service's and those other services
    gave them (registry person, migrant, job seeker), so an auditor finds them by any."""
    return [i for i in (citizen.citizen_id, citizen.person_id, citizen.migrant_id, citizen.seeker_id) if i]


def _document(citizen: Citizen) -> list[tuple[str, str]]:
    return [(citizen.document_type, citizen.document_number)]


async def get_municipality(reader: Reader, query: GetMunicipalityQuery) -> Municipality:
    return await lookups.municipality(reader.conn, query.ubigeo)


async def list_municipalities(reader: Reader, query: ListMunicipalitiesQuery) -> list[Municipality]:
    found = [
        await repository.municipality(reader.conn, u)
        for u in await repository.municipality_ubigeos(reader.conn)
    ]
    return [m for m in found if m is not None]


async def find_citizen(uow: UnitOfWork, query: FindCitizenQuery) -> CitizenLookup:
    """The person with this document (from the registry, another service, or the counter), or
    nobody (`CitizenLookup.view` None; `found()` raises CitizenNotFound).

    Each client (token subject) may make DOCUMENT_LOOKUPS of them (RateLimited, 429, beyond), as
    in the registry: a lookup answers "is this number known here?" and in bulk would enumerate the
    municipality's citizens. Every lookup is recorded, found (`ok`) or not (`none-found`)."""
    await take_token(uow.conn, DOCUMENT_LOOKUPS, query.caller.subject, uow.clock.now())
    doc = query.document
    found = await repository.citizen_by_document(uow.conn, doc.type.value, doc.number or "")
    await record_access(
        uow,
        query.caller,
        Access(
            operation=f"{SERVICE}.citizen.lookup",
            resource_type="citizen",
            resource_ids=_person_ids(found) if found else (),
            documents=[(doc.type.value, doc.number or "")],
            outcome=OK if found else NONE_FOUND,
        ),
    )
    return CitizenLookup(doc, _view(found, uow.clock.today()) if found else None)


async def get_citizen(uow: UnitOfWork, query: GetCitizenQuery) -> CitizenView:
    """The person's page data (name, document, household, disability, CSE); the read is recorded."""
    citizen = await lookups.citizen(uow.conn, query.citizen_id)
    await record_access(
        uow,
        query.caller,
        Access(
            operation=f"{SERVICE}.citizen.read",
            resource_type="citizen",
            resource_ids=_person_ids(citizen),
            documents=_document(citizen),
        ),
    )
    return _view(citizen, uow.clock.today())


async def get_ticket(reader: Reader, query: GetTicketQuery) -> Ticket:
    ticket = await repository.ticket(reader.conn, query.ticket_id)
    if ticket is None:
        raise TicketNotFound(
            f"no ticket {query.ticket_id}", field="ticket_id", value=query.ticket_id, expected="a ticket id"
        )
    return ticket


async def list_tickets(reader: Reader, query: ListTicketsQuery) -> list[Ticket]:
    municipality = await lookups.municipality(reader.conn, query.municipality)
    lookups.office(municipality, query.office)
    day = query.day or reader.clock.today()
    return await repository.list_tickets(reader.conn, municipality.ubigeo, query.office, day, query.status)


async def get_attention(uow: UnitOfWork, query: GetAttentionQuery) -> Attention:
    """One attention record; a DEMUNA one raises DemunaConfidential without the DEMUNA scope.
    The read is recorded (`citizen-attention.demuna.attention.read` for a DEMUNA record: a minor's
    data, so an auditor can list those reads apart)."""
    attention = await repository.attention(uow.conn, query.attention_id)
    if attention is None:
        raise AttentionNotFound(
            f"no attention {query.attention_id}",
            field="attention_id",
            value=query.attention_id,
            expected="an attention id",
        )
    check_confidential_access(
        attention.office, query.may_read_confidential, f"attention {attention.attention_id}"
    )
    citizen = await lookups.citizen(uow.conn, attention.citizen_id)
    demuna = ".demuna" if attention.office is Office.DEMUNA else ""
    await record_access(
        uow,
        query.caller,
        Access(
            operation=f"{SERVICE}{demuna}.attention.read",
            resource_type="attention",
            resource_ids=[attention.attention_id, *_person_ids(citizen)],
            documents=_document(citizen),
        ),
    )
    return attention


async def get_referral(reader: Reader, query: GetReferralQuery) -> Referral:
    referral = await repository.referral(reader.conn, query.referral_id)
    if referral is None:
        raise ReferralNotFound(
            f"no referral {query.referral_id}",
            field="referral_id",
            value=query.referral_id,
            expected="a referral id",
        )
    if referral.confidential:
        check_confidential_access(
            Office.DEMUNA, query.may_read_confidential, f"referral {referral.referral_id}"
        )
    return referral


async def list_referrals(reader: Reader, query: ListReferralsQuery) -> list[Referral]:
    """Referrals, newest first; those concerning DEMUNA lose their words without the DEMUNA scope."""
    found = await repository.list_referrals(
        reader.conn, query.municipality, query.to_office, query.status, query.citizen_id, query.limit
    )
    if query.may_read_confidential:
        return found
    return [r.redacted() if r.confidential else r for r in found]


async def get_classification_request(reader: Reader, query: GetRequestQuery) -> RequestDeadlines:
    request = await repository.request(reader.conn, query.request_id)
    if request is None:
        raise RequestNotFound(
            f"no classification request {query.request_id}",
            field="request_id",
            value=query.request_id,
            expected="a request id",
        )
    municipality = await lookups.municipality(reader.conn, request.ubigeo)
    return _deadlines(request, reader, lookups.days_off(municipality))


def _deadlines(request: ClassificationRequest, reader: Reader, days_off: list[date]) -> RequestDeadlines:
    today = reader.clock.today()
    visit = s100.deadline_state("home_visit", request.home_visit_due_on, request.visited_on, today, days_off)
    result = (
        s100.deadline_state("result", request.result_due_on, request.result_recorded_on, today, days_off)
        if request.result_due_on is not None
        else None
    )
    return RequestDeadlines(request, visit, result)


async def list_classification_deadlines(
    reader: Reader, query: ListClassificationDeadlinesQuery
) -> ClassificationDeadlines:
    """Open S100 requests of a municipality with where each deadline stands today (on time, at
    risk, missed), and how many are at risk or missed."""
    municipality = await lookups.municipality(reader.conn, query.municipality)
    days_off = lookups.days_off(municipality)
    requests = tuple(
        _deadlines(r, reader, days_off)
        for r in await repository.open_requests(reader.conn, municipality.ubigeo)
    )

    def current(d: RequestDeadlines) -> s100.DeadlineState:
        """The deadline the request is waiting on: the result once visited, else the visit."""
        return d.result.state if d.result else d.home_visit.state

    return ClassificationDeadlines(
        municipality=municipality.ubigeo,
        today=reader.clock.today(),
        requests=requests,
        at_risk=sum(current(d) is s100.DeadlineState.AT_RISK for d in requests),
        missed=sum(current(d) is s100.DeadlineState.MISSED for d in requests),
    )


async def get_timeline(uow: UnitOfWork, query: GetTimelineQuery) -> Timeline:
    """Everything that happened to a person across the offices, newest first, with the ids of
    their household, Migracentro case and job-seeker record. Without the DEMUNA scope, DEMUNA
    entries (and referrals to or from it) show only that they happened. The read is recorded with
    the ids of the entries shown in full (`citizen-attention.demuna.timeline.read` when DEMUNA
    entries were among them)."""
    citizen = await lookups.citizen(uow.conn, query.citizen_id)
    entries: list[TimelineEntry] = []
    for row in await repository.timeline(uow.conn, citizen.citizen_id, query.limit):
        confidential = row.confidential
        entry = TimelineEntry(
            kind=TimelineKind(row.kind),
            id=row.id,
            office=row.office,
            at=row.at,
            confidential=confidential,
            procedure=row.procedure,
            status=row.status,
            detail=row.detail,
        )
        entries.append(entry.redacted() if confidential and not query.may_read_confidential else entry)
    shown = [e for e in entries if not (e.confidential and not query.may_read_confidential)]
    demuna = ".demuna" if any(e.confidential for e in shown) else ""
    await record_access(
        uow,
        query.caller,
        Access(
            operation=f"{SERVICE}{demuna}.timeline.read",
            resource_type="citizen",
            resource_ids=[*_person_ids(citizen), *(e.id for e in shown)],
            documents=_document(citizen),
        ),
    )
    return Timeline(
        citizen=_view(citizen, uow.clock.today()),
        household_id=citizen.household_id,
        migrant_id=citizen.migrant_id,
        migrant_case_id=citizen.migrant_case_id,
        seeker_id=citizen.seeker_id,
        entries=tuple(entries),
    )


def _check_period(first: date, last: date) -> None:
    if last < first or (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidPeriod(
            f"the period {first} to {last} is not valid",
            field="to",
            value=last.isoformat(),
            expected=f"a day on or after {first.isoformat()}, at most {MAX_PERIOD_DAYS} days after it",
        )


async def get_attention_figures(reader: Reader, query: AttentionFiguresQuery) -> AttentionFigures:
    """Attention figures of a municipality for a period: per office, procedure, day and sector
    (attentions, service and waiting times p50/p90 in seconds); per office and day the queue
    (tickets, no-shows, waits) and referrals (made, received, completed, on time, missed); and
    deadline compliance of referrals and S100 requests."""
    _check_period(query.first, query.last)
    municipality = await lookups.municipality(reader.conn, query.municipality)
    if query.office is not None:
        lookups.office(municipality, query.office)
    args = (reader.conn, municipality.ubigeo, query.first, query.last, query.office)
    referrals = await repository.referral_figures(*args)
    requests = await repository.closed_request_deadlines(
        reader.conn, municipality.ubigeo, query.first, query.last
    )
    today = reader.clock.today()
    visits_due = [r for r in requests if r.visited_on is not None or r.home_visit_due_on < today]
    results_due = [
        r
        for r in requests
        if r.result_due_on is not None and (r.result_recorded_on is not None or r.result_due_on < today)
    ]
    compliance = ComplianceFigures(
        referrals_due=sum(r.completed + r.missed for r in referrals if r.received),
        referrals_on_time=sum(r.completed_on_time for r in referrals if r.received),
        home_visits_due=len(visits_due),
        home_visits_on_time=sum(
            r.visited_on is not None and r.visited_on <= r.home_visit_due_on for r in visits_due
        ),
        results_due=len(results_due),
        results_on_time=sum(
            r.result_recorded_on is not None
            and r.result_due_on is not None
            and r.result_recorded_on <= r.result_due_on
            for r in results_due
        ),
    )
    return AttentionFigures(
        municipality=municipality.ubigeo,
        first=query.first,
        last=query.last,
        attentions=tuple(await repository.attention_figures(*args)),
        queues=tuple(await repository.queue_figures(*args)),
        referrals=tuple(r for r in referrals if query.office is None or r.office == query.office.value),
        compliance=compliance,
    )


async def get_process_map(reader: Reader, query: ProcessMapQuery) -> ProcessMap:
    """The process map of one procedure, derived from the attentions recorded in the period: each
    step with its attentions, people and median duration; each transition between consecutive
    attentions of the same person with its count and median time (seconds). A DEMUNA procedure's
    map needs the DEMUNA scope."""
    _check_period(query.first, query.last)
    check_confidential_access(
        query.office, query.may_read_confidential, f"the process map of {query.office.value}"
    )
    municipality = await lookups.municipality(reader.conn, query.municipality)
    procedure = lookups.procedure(municipality, query.office, query.procedure)
    args = (reader.conn, municipality.ubigeo, query.office, procedure.code, query.first, query.last)
    order = {name: i for i, name in enumerate(procedure.steps)}
    steps = sorted(
        (
            ProcessStep(s.step, order.get(s.step), s.attentions, s.citizens, s.duration_p50_seconds)
            for s in await repository.process_steps(*args)
        ),
        key=lambda s: (s.position if s.position is not None else len(order), s.step),
    )
    transitions = tuple(
        ProcessTransition(t.from_step, t.to_step, t.count, t.median_seconds)
        for t in await repository.process_transitions(*args)
    )
    return ProcessMap(
        municipality=municipality.ubigeo,
        office=query.office,
        procedure=procedure.code,
        first=query.first,
        last=query.last,
        steps=tuple(steps),
        transitions=transitions,
    )
