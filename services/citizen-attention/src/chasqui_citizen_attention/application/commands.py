"""Use cases that change state: load municipal data, take people from other services' events,
register people met at the counter, run the queue, record attentions, refer between offices,
and carry the ULE classification request (S100) to its result."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.clock import lima_date
from chasqui_common.errors import InvalidValue
from chasqui_common.events.citizen_attention import (
    AttentionRecorded,
    ClassificationRequestRegistered,
    ClassificationResultRecorded,
    HomeVisitRecorded,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeadlineMissed,
    ReferralMade,
    ReferralRejected,
)
from chasqui_common.events.registry import HouseholdStatus
from chasqui_common.values import DocumentType

from chasqui_citizen_attention.adapters import office_heads, repository
from chasqui_citizen_attention.adapters.data_files import read_data_files
from chasqui_citizen_attention.application import lookups
from chasqui_citizen_attention.application.models import (
    CitizenView,
    FlagMissedReferrals,
    IssueTicket,
    LinkMigrantCase,
    LoadMunicipalData,
    MakeReferral,
    MissedReferralsFlagged,
    MoveReferral,
    MoveTicket,
    MunicipalDataLoaded,
    ReceiveMigrantReferral,
    RecordAttention,
    RecordClassificationResult,
    RecordHomeVisit,
    RegisterCitizen,
    RegisterClassificationRequest,
    TakeOtherServicePerson,
    TakeRegistryHousehold,
)
from chasqui_citizen_attention.application.office_heads import designate_office_heads
from chasqui_citizen_attention.domain import classification as s100
from chasqui_citizen_attention.domain.calendar import add_working_days
from chasqui_citizen_attention.domain.confidentiality import check_confidential_access, is_confidential
from chasqui_citizen_attention.domain.errors import (
    CitizenAlreadyKnown,
    InvalidMunicipalData,
    ReferralNotFound,
    RequestNotFound,
    TicketNotFound,
    TicketOfficeMismatch,
)
from chasqui_citizen_attention.domain.municipalities import CLASSIFICATION_REQUEST, Office, parse_municipality
from chasqui_citizen_attention.domain.office_heads import parse_office_heads
from chasqui_citizen_attention.domain.records import (
    Attention,
    ClassificationRequest,
    KnownFrom,
    Referral,
    Ticket,
)
from chasqui_citizen_attention.domain.referrals import (
    ReferralSource,
    ReferralStatus,
    check_due_on,
    check_referral_move,
    check_referral_offices,
)
from chasqui_citizen_attention.domain.tickets import TicketStatus, check_ticket_move

DEFAULT_REFERRAL_WORKING_DAYS = 5
"""Deadline of a referral that names no procedure: the service's own standard (edit per
municipality by naming a procedure, whose data file sets its deadline)."""

# -- municipal data -------------------------------------------------------------------------------


async def load_municipal_data(uow: UnitOfWork, command: LoadMunicipalData) -> MunicipalDataLoaded:
    """Read every data file and store each municipality's data, replacing what was loaded before.

    Raises InvalidMunicipalData naming the file and the faulty key; nothing is stored then.
    """
    loaded: list[str] = []
    for data in read_data_files(command.extra_dirs):
        try:
            municipality = parse_municipality(data.content, source=data.path.name)
            parse_office_heads(data.content, municipality.ubigeo)  # refused before anything is stored
        except InvalidMunicipalData as exc:
            raise InvalidMunicipalData(
                f"{data.path}: {exc.detail}", field=exc.field, value=exc.value, expected=exc.expected
            ) from None
        await repository.replace_municipality(uow.conn, municipality, str(data.path.name), uow.clock.now())
        await designate_office_heads(uow, municipality.ubigeo, data.content)
        loaded.append(municipality.ubigeo)
    return MunicipalDataLoaded(tuple(loaded))


# -- citizens -------------------------------------------------------------------------------------


async def take_registry_household(uow: UnitOfWork, command: TakeRegistryHousehold) -> None:
    """Every member with a document becomes or updates a citizen with their household, age,
    disability and the household's CSE; people no longer in the household leave it."""
    household = command.household
    cse = household.classification
    active = household.status is HouseholdStatus.ACTIVE
    kept: list[str] = []
    for member in household.members if active else ():
        if member.document.type is DocumentType.NONE or member.document.number is None:
            continue  # nobody can be found at a counter without a document
        kept.append(member.person_id)
        await repository.take_registry_person(
            uow.conn,
            repository.RegistryPerson(
                document_type=member.document.type.value,
                document_number=member.document.number,
                given_names=member.given_names,
                paternal_surname=member.paternal_surname,
                maternal_surname=member.maternal_surname,
                birth_date=member.birth_date,
                sex=member.sex.value,
                person_id=member.person_id,
                household_id=household.household_id,
                household_ubigeo=household.ubigeo,
                disability_severity=member.disability.severity.value,
                disability_certified=member.disability.certified,
                cse_level=cse.level.value if cse else None,
                cse_valid_until=cse.valid_until if cse else None,
            ),
            command.event_time,
        )
    await repository.leave_household(uow.conn, household.household_id, kept, command.event_time)


async def take_other_service_person(uow: UnitOfWork, command: TakeOtherServicePerson) -> str | None:
    """Record a person announced by migrant-services or employment-matching (registry data, when
    there is any, is kept); returns the citizen id, or None for a person without a document number."""
    if command.document.number is None:
        return None
    return await repository.take_other_person(
        uow.conn,
        repository.OtherSourcePerson(
            document_type=command.document.type.value,
            document_number=command.document.number,
            given_names=command.given_names,
            paternal_surname=command.paternal_surname,
            maternal_surname=command.maternal_surname,
            birth_date=command.birth_date,
            sex=command.sex,
            known_from=KnownFrom(command.source),
        ),
        uow.clock.now(),
        migrant_id=command.migrant_id,
        migrant_case_id=command.migrant_case_id,
        seeker_id=command.seeker_id,
    )


async def link_migrant_case(uow: UnitOfWork, command: LinkMigrantCase) -> None:
    """A Migracentro case opened: the person's timeline links to it."""
    await repository.link_migrant_case(uow.conn, command.migrant_id, command.case_id, uow.clock.now())


async def register_citizen(uow: UnitOfWork, command: RegisterCitizen) -> CitizenView:
    """Record a person unknown to the registry (first met at the counter) by document and name.

    Raises CitizenAlreadyKnown (with the known citizen's id) if the document is known.
    """
    document = command.document
    if document.number is None:
        raise InvalidValue(
            "a person is registered by a document with a number",
            field="document.number",
            value=None,
            expected="the document's number (DNI, CE, CPP, PTP or passport)",
        )
    citizen_id = await repository.insert_counter_citizen(
        uow.conn,
        document.type.value,
        document.number,
        command.given_names,
        command.paternal_surname,
        command.maternal_surname,
        command.birth_date,
        uow.clock.now(),
    )
    if citizen_id is None:
        known = await repository.citizen_by_document(uow.conn, document.type.value, document.number)
        raise CitizenAlreadyKnown(
            f"{document.type.value} {document.number} is citizen {known.citizen_id if known else '?'}",
            field="document.number",
            value=document.number,
            expected="a document not yet known (look the person up instead)",
        )
    citizen = await lookups.citizen(uow.conn, citizen_id)
    today = uow.clock.today()
    return CitizenView(citizen, citizen.age_on(today), citizen.cse_in_force(today))


# -- tickets and attentions -----------------------------------------------------------------------


async def issue_ticket(uow: UnitOfWork, command: IssueTicket) -> Ticket:
    """The next ticket of the office today (Lima day); the procedure and citizen are optional."""
    municipality = await lookups.municipality(uow.conn, command.municipality)
    lookups.office(municipality, command.office)
    if command.procedure is not None:
        lookups.procedure(municipality, command.office, command.procedure)
    if command.citizen_id is not None:
        await lookups.citizen(uow.conn, command.citizen_id)
    return await repository.insert_ticket(
        uow.conn,
        municipality.ubigeo,
        command.office,
        uow.clock.today(),
        command.citizen_id,
        command.procedure,
        uow.clock.now(),
    )


async def _ticket_for_update(uow: UnitOfWork, ticket_id: str, field: str = "ticket_id") -> Ticket:
    ticket = await repository.ticket_for_update(uow.conn, ticket_id)
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id}", field=field, value=ticket_id, expected="a ticket id")
    return ticket


async def move_ticket(uow: UnitOfWork, command: MoveTicket) -> Ticket:
    """Call, start, close or mark a no-show. Calling a ticket twice raises TicketAlreadyCalled."""
    ticket = await _ticket_for_update(uow, command.ticket_id)
    check_ticket_move(ticket.ticket_id, ticket.status, command.status)
    return await repository.move_ticket(
        uow.conn, ticket.ticket_id, command.status, uow.clock.now(), command.staff
    )


async def record_attention(uow: UnitOfWork, command: RecordAttention) -> Attention:
    """Record one visit: office, procedure (and step; default its first), citizen, staff, channel,
    outcome, duration in seconds, notes, sector. A ticket given is closed and lends its waiting time.

    DEMUNA attentions need the attention:demuna scope; their event carries no person or procedure.
    """
    check_confidential_access(command.office, command.may_read_confidential, "an attention at DEMUNA")
    municipality = await lookups.municipality(uow.conn, command.municipality)
    procedure = lookups.procedure(municipality, command.office, command.procedure)
    step = lookups.step(procedure, command.step) if command.step is not None else procedure.steps[0]
    sector = lookups.sector(municipality, command.sector) if command.sector is not None else None
    await lookups.citizen(uow.conn, command.citizen_id)
    now = uow.clock.now()
    waiting: int | None = None
    if command.ticket_id is not None:
        ticket = await _ticket_for_update(uow, command.ticket_id, field="ticket_id")
        if ticket.office is not command.office or ticket.ubigeo != municipality.ubigeo:
            raise TicketOfficeMismatch(
                f"ticket {ticket.code} is for {ticket.office.value}, not {command.office.value}",
                field="ticket_id",
                value=command.ticket_id,
                expected=f"a ticket of {command.office.value}",
            )
        check_ticket_move(ticket.ticket_id, ticket.status, TicketStatus.CLOSED)
        await repository.move_ticket(uow.conn, ticket.ticket_id, TicketStatus.CLOSED, now, command.staff)
        waiting = ticket.waiting_seconds
    started_at = command.started_at or now - timedelta(seconds=command.duration_seconds)
    attention = Attention(
        attention_id=repository.new_id(),
        ubigeo=municipality.ubigeo,
        office=command.office,
        procedure=procedure.code,
        step=step,
        citizen_id=command.citizen_id,
        ticket_id=command.ticket_id,
        staff=command.staff,
        channel=command.channel,
        outcome=command.outcome,
        notes=command.notes,
        sector=sector,
        day=uow.clock.today() if command.started_at is None else lima_date(command.started_at),
        started_at=started_at,
        duration_seconds=command.duration_seconds,
        waiting_seconds=waiting,
    )
    await repository.insert_attention(uow.conn, attention, now)
    confidential = is_confidential(command.office)
    await uow.publish(
        AttentionRecorded(
            attention_id=attention.attention_id,
            municipality=attention.ubigeo,
            office=attention.office.value,
            confidential=confidential,
            citizen_id=None if confidential else attention.citizen_id,
            procedure=None if confidential else attention.procedure,
            channel=attention.channel.value,
            day=attention.day,
            duration_seconds=attention.duration_seconds,
            waiting_seconds=waiting,
        )
    )
    return attention


# -- referrals ------------------------------------------------------------------------------------


def _shown_citizen(referral: Referral) -> str | None:
    """The person's id as events may carry it: never for a referral that concerns DEMUNA."""
    return None if referral.confidential else referral.citizen_id


async def make_referral(uow: UnitOfWork, command: MakeReferral) -> Referral:
    """Refer a person to another office. Raises ReferralToSameOffice, DeadlineInPast,
    UnknownProcedure; a referral from or to DEMUNA is made only with the attention:demuna scope
    when it comes from DEMUNA (a CIAM clerk may refer a child to DEMUNA)."""
    check_referral_offices(command.from_office, command.to_office)
    check_confidential_access(command.from_office, command.may_read_confidential, "a referral from DEMUNA")
    municipality = await lookups.municipality(uow.conn, command.municipality)
    lookups.office(municipality, command.from_office)
    lookups.office(municipality, command.to_office)
    target = (
        lookups.procedure(municipality, command.to_office, command.procedure)
        if command.procedure is not None
        else None
    )
    await lookups.citizen(uow.conn, command.citizen_id)
    today = uow.clock.today()
    if command.due_on is not None:
        check_due_on(command.due_on, today)
        due_on = command.due_on
    else:
        days = command.due_in_working_days or (
            target.deadline_working_days if target else DEFAULT_REFERRAL_WORKING_DAYS
        )
        due_on = add_working_days(today, days, lookups.days_off(municipality))
    now = uow.clock.now()
    referral = Referral(
        referral_id=repository.new_id(),
        ubigeo=municipality.ubigeo,
        district=municipality.ubigeo,
        source=ReferralSource.OFFICE,
        from_office=command.from_office,
        to_office=command.to_office,
        citizen_id=command.citizen_id,
        procedure=command.procedure,
        reason=command.reason,
        status=ReferralStatus.PENDING,
        due_on=due_on,
        made_on=today,
        made_at=now,
        made_by=command.staff,
        accepted_at=None,
        rejected_at=None,
        rejection_reason=None,
        completed_at=None,
        completed_on=None,
        deadline_missed_at=None,
        external_id=None,
        migrant_case_id=None,
    )
    await repository.insert_referral(uow.conn, referral)
    await uow.publish(
        ReferralMade(
            referral_id=referral.referral_id,
            municipality=referral.ubigeo,
            to_office=referral.to_office.value,
            confidential=referral.confidential,
            citizen_id=_shown_citizen(referral),
            from_office=referral.from_office.value if referral.from_office else None,
            source=referral.source.value,
            due_on=due_on,
            made_at=now,
        )
    )
    return referral


async def receive_migrant_referral(uow: UnitOfWork, command: ReceiveMigrantReferral) -> Referral | None:
    """A Migracentro referral to household registration lands at the ULE of the district it names
    (the referring attention point's district). With no data loaded for that district it is kept
    with no municipality (`ubigeo` None) so nothing is lost, and listed as such. A redelivered
    referral (same external id) changes nothing: returns None."""
    citizen_id = await take_other_service_person(uow, command.person)
    if citizen_id is None:
        return None
    municipality = await repository.municipality(uow.conn, command.district)
    today = uow.clock.today()
    if municipality is not None and any(o.office is Office.ULE for o in municipality.offices):
        s100_data = lookups.procedure(municipality, Office.ULE, CLASSIFICATION_REQUEST)
        due_on = add_working_days(today, s100_data.deadline_working_days, lookups.days_off(municipality))
        ubigeo: str | None = municipality.ubigeo
        procedure: str | None = s100_data.code
    else:
        due_on = add_working_days(today, DEFAULT_REFERRAL_WORKING_DAYS)
        ubigeo, procedure = None, None
    now = uow.clock.now()
    referral = Referral(
        referral_id=repository.new_id(),
        ubigeo=ubigeo,
        district=command.district,
        source=ReferralSource.MIGRACENTRO,
        from_office=None,
        to_office=Office.ULE,
        citizen_id=citizen_id,
        procedure=procedure,
        reason=command.notes,
        status=ReferralStatus.PENDING,
        due_on=due_on,
        made_on=today,
        made_at=now,
        made_by=f"migracentro:{command.case_id}",
        accepted_at=None,
        rejected_at=None,
        rejection_reason=None,
        completed_at=None,
        completed_on=None,
        deadline_missed_at=None,
        external_id=command.external_id,
        migrant_case_id=command.case_id,
    )
    if not await repository.insert_referral(uow.conn, referral):
        return None
    await uow.publish(
        ReferralMade(
            referral_id=referral.referral_id,
            municipality=referral.ubigeo,
            to_office=referral.to_office.value,
            confidential=referral.confidential,
            citizen_id=_shown_citizen(referral),
            from_office=None,
            source=referral.source.value,
            due_on=due_on,
            made_at=now,
        )
    )
    return referral


async def move_referral(uow: UnitOfWork, command: MoveReferral) -> Referral:
    """Accept, reject (a reason is required) or complete a referral; a DEMUNA one needs the
    attention:demuna scope. Completing records whether it was on time (on or before `due_on`)."""
    current = await repository.referral_for_update(uow.conn, command.referral_id)
    if current is None:
        raise ReferralNotFound(
            f"no referral {command.referral_id}",
            field="referral_id",
            value=command.referral_id,
            expected="a referral id",
        )
    if current.confidential:
        check_confidential_access(
            Office.DEMUNA, command.may_read_confidential, "a referral concerning DEMUNA"
        )
    check_referral_move(current.referral_id, current.status, command.status)
    if command.status is ReferralStatus.REJECTED and not (command.reason or "").strip():
        raise InvalidValue(
            "a rejected referral needs its reason", field="reason", value=command.reason, expected="a reason"
        )
    now, today = uow.clock.now(), uow.clock.today()
    referral = await repository.move_referral(
        uow.conn, current.referral_id, command.status, now, today, command.reason
    )
    who = {
        "referral_id": referral.referral_id,
        "municipality": referral.ubigeo,
        "to_office": referral.to_office.value,
        "confidential": referral.confidential,
        "citizen_id": _shown_citizen(referral),
    }
    if command.status is ReferralStatus.ACCEPTED:
        # notifications tells the person (never for DEMUNA: `who` carries no citizen then)
        recipient = (
            await office_heads.recipient_person_id(uow.conn, referral.citizen_id)
            if who["citizen_id"]
            else None
        )
        await uow.publish(
            ReferralAccepted.model_validate({**who, "accepted_at": now, "recipient_person_id": recipient})
        )
    elif command.status is ReferralStatus.REJECTED:
        await uow.publish(ReferralRejected.model_validate({**who, "rejected_at": now}))
    else:
        on_time = today <= referral.due_on
        await uow.publish(ReferralCompleted.model_validate({**who, "completed_at": now, "on_time": on_time}))
    return referral


async def flag_missed_referrals(uow: UnitOfWork, command: FlagMissedReferrals) -> MissedReferralsFlagged:
    """Announce open referrals past their deadline, once each (ReferralDeadlineMissed)."""
    missed = await repository.claim_missed_referrals(
        uow.conn, uow.clock.today(), uow.clock.now(), command.limit
    )
    for referral in missed:
        await uow.publish(
            ReferralDeadlineMissed(
                referral_id=referral.referral_id,
                municipality=referral.ubigeo,
                to_office=referral.to_office.value,
                confidential=referral.confidential,
                citizen_id=_shown_citizen(referral),
                from_office=referral.from_office.value if referral.from_office else None,
                due_on=referral.due_on,
                status=referral.status.value,
                office_head_id=await office_heads.office_head_id(
                    uow.conn, referral.ubigeo, referral.to_office
                ),
            )
        )
    return MissedReferralsFlagged(tuple(r.referral_id for r in missed))


# -- ULE classification requests (S100) -----------------------------------------------------------


async def register_classification_request(
    uow: UnitOfWork, command: RegisterClassificationRequest
) -> ClassificationRequest:
    """Register an S100 request at the ULE; the home visit is due 8 working days later
    (Directiva 001-2020-MIDIS), counting Peruvian holidays and the municipality's days off."""
    municipality = await lookups.municipality(uow.conn, command.municipality)
    lookups.procedure(municipality, Office.ULE, CLASSIFICATION_REQUEST)
    citizen = await lookups.citizen(uow.conn, command.citizen_id)
    today = uow.clock.today()
    registered_on = command.registered_on or today
    s100.check_not_future("registered_on", registered_on, today)
    request = ClassificationRequest(
        request_id=repository.new_id(),
        ubigeo=municipality.ubigeo,
        citizen_id=citizen.citizen_id,
        household_id=command.household_id or citizen.household_id,
        status=s100.RequestStatus.REGISTERED,
        registered_on=registered_on,
        home_visit_due_on=s100.home_visit_due(registered_on, lookups.days_off(municipality)),
        visited_on=None,
        result_due_on=None,
        result_level=None,
        result_valid_from=None,
        result_valid_until=None,
        result_recorded_on=None,
        registered_by=command.staff,
    )
    await repository.insert_request(uow.conn, request, uow.clock.now())
    await uow.publish(
        ClassificationRequestRegistered(
            request_id=request.request_id,
            municipality=request.ubigeo,
            citizen_id=request.citizen_id,
            household_id=request.household_id,
            registered_on=registered_on,
            home_visit_due_on=request.home_visit_due_on,
            recipient_person_id=await office_heads.recipient_person_id(uow.conn, request.citizen_id),
        )
    )
    return request


async def _request_for_update(uow: UnitOfWork, request_id: str) -> ClassificationRequest:
    request = await repository.request_for_update(uow.conn, request_id)
    if request is None:
        raise RequestNotFound(
            f"no classification request {request_id}",
            field="request_id",
            value=request_id,
            expected="a request id",
        )
    return request


async def record_home_visit(uow: UnitOfWork, command: RecordHomeVisit) -> ClassificationRequest:
    """The home visit filled the FSU (the evaluation): the result is due 25 working days later."""
    request = await _request_for_update(uow, command.request_id)
    s100.check_step(request.request_id, request.status, s100.RequestStatus.REGISTERED, "a home visit")
    today = uow.clock.today()
    visited_on = command.visited_on or today
    s100.check_not_future("visited_on", visited_on, today)
    s100.check_not_before("visited_on", visited_on, request.registered_on, "the request")
    municipality = await lookups.municipality(uow.conn, request.ubigeo)
    updated = replace(
        request,
        status=s100.RequestStatus.EVALUATED,
        visited_on=visited_on,
        result_due_on=s100.result_due(visited_on, lookups.days_off(municipality)),
    )
    await repository.save_request(uow.conn, updated)
    assert updated.result_due_on is not None
    await uow.publish(
        HomeVisitRecorded(
            request_id=updated.request_id,
            municipality=updated.ubigeo,
            household_id=updated.household_id,
            visited_on=visited_on,
            on_time=visited_on <= updated.home_visit_due_on,
            result_due_on=updated.result_due_on,
            recipient_person_id=await office_heads.recipient_person_id(uow.conn, updated.citizen_id),
        )
    )
    return updated


async def record_classification_result(
    uow: UnitOfWork, command: RecordClassificationResult
) -> ClassificationRequest:
    """Record the household's CSE and publish it (ClassificationResultRecorded) for the registry."""
    request = await _request_for_update(uow, command.request_id)
    s100.check_step(request.request_id, request.status, s100.RequestStatus.EVALUATED, "a result")
    household_id = command.household_id or request.household_id
    if household_id is None:
        raise InvalidValue(
            "the request has no household: name the household the ULE registered",
            field="household_id",
            value=None,
            expected="the registry household id",
        )
    if command.valid_until <= command.valid_from:
        raise InvalidValue(
            f"valid_until {command.valid_until} is not after valid_from {command.valid_from}",
            field="valid_until",
            value=command.valid_until.isoformat(),
            expected=f"a date after {command.valid_from.isoformat()}",
        )
    today = uow.clock.today()
    updated = replace(
        request,
        household_id=household_id,
        status=s100.RequestStatus.RESULT_RECORDED,
        result_level=command.level.value,
        result_valid_from=command.valid_from,
        result_valid_until=command.valid_until,
        result_recorded_on=today,
    )
    await repository.save_request(uow.conn, updated)
    assert updated.result_due_on is not None
    await uow.publish(
        ClassificationResultRecorded(
            request_id=updated.request_id,
            municipality=updated.ubigeo,
            household_id=household_id,
            citizen_id=updated.citizen_id,
            level=command.level,
            valid_from=command.valid_from,
            valid_until=command.valid_until,
            source=f"ULE {updated.ubigeo}",
            recorded_on=today,
            on_time=today <= updated.result_due_on,
            recipient_person_id=await office_heads.recipient_person_id(uow.conn, updated.citizen_id),
        )
    )
    return updated
