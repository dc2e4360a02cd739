"""Commands: `verb_noun(uow, command)`, each in one unit of work, so state and its events commit together.

The caller (a route, through `run.command`, or the expiry watch, through `rt.transactions`) opens
the transaction; use cases only read and write through `uow.conn`, publish through
`uow.publish`, and take "now" and "today" from `uow.clock`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from chasqui_common.application import UnitOfWork
from chasqui_common.audit import Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import Conflict, DomainError, InvalidValue
from chasqui_common.events.migrants import (
    AppointmentCancelled,
    AppointmentScheduled,
    CaseClosed,
    CaseOpened,
    CaseService,
    DocumentExpiring,
    EmploymentProfile,
    MigrantIdentity,
    MigrantRegistered,
    ReferralIssued,
    ReferralTarget,
)
from chasqui_common.events.registry import Consent, Contact, IdentityDocument, Sex
from chasqui_common.values import check_ubigeo, validate_document

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.application.lookups import (
    load_appointment,
    load_case,
    load_migrant,
    load_point,
    load_referral,
)
from chasqui_migrant_services.domain.access import check_point
from chasqui_migrant_services.domain.appointments import Appointment, AppointmentStatus, check_bookable
from chasqui_migrant_services.domain.attention_points import AttentionPoint, check_code, parse_opening_hours
from chasqui_migrant_services.domain.cases import Case, CaseStatus, Referral
from chasqui_migrant_services.domain.errors import SlotUnavailable
from chasqui_migrant_services.domain.migrants import (
    EXPIRY_WINDOW_DAYS,
    Document,
    Migrant,
    check_consent,
    check_dates,
    check_documents,
    check_nationality,
    identity_document,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- attention points


@dataclass(frozen=True)
class RegisterAttentionPoint:
    code: str
    name: str
    ubigeo: str
    address: str
    opening_hours: dict[str, str]
    daily_capacity: dict[CaseService, int]


@dataclass(frozen=True)
class SetCapacity:
    code: str
    service: CaseService
    daily_capacity: int


async def register_attention_point(uow: UnitOfWork, command: RegisterAttentionPoint) -> AttentionPoint:
    point = AttentionPoint(
        code=command.code,
        name=command.name,
        ubigeo=command.ubigeo,
        address=command.address,
        opening_hours=parse_opening_hours(command.opening_hours),
        daily_capacity=dict(command.daily_capacity),
    )
    check_code(point.code)
    check_ubigeo(point.ubigeo, "ubigeo")
    for service, capacity in point.daily_capacity.items():
        if capacity < 0:
            raise InvalidValue(
                "daily capacity cannot be negative",
                field=f"daily_capacity.{service.value}",
                value=capacity,
                expected="0 or more appointments a day",
            )
    if not await repository.insert_point(uow.conn, point):
        raise Conflict(
            f"attention point {point.code} already exists",
            field="code",
            value=point.code,
            expected="a code not in use",
        )
    return point


async def set_capacity(uow: UnitOfWork, command: SetCapacity) -> AttentionPoint:
    """Set a service's daily capacity; days already booked keep at least their bookings."""
    await load_point(uow.conn, command.code)
    await repository.set_capacity(
        uow.conn, command.code, command.service, command.daily_capacity, uow.clock.today()
    )
    return await load_point(uow.conn, command.code)


# ---------------------------------------------------------------- migrants


@dataclass(frozen=True)
class RegisterMigrant:
    attention_point: str
    documents: tuple[Document, ...]
    nationality: str
    entry_date: date | None
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date
    sex: Sex | None
    phone: str | None = None
    email: str | None = None
    consent_sms: bool = False
    consent_email: bool = False
    consent_whatsapp: bool = False
    occupations: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    caller: Caller = field(kw_only=True)
    """A Migracentro registers people at its own attention point(s) only."""


@dataclass(frozen=True)
class SaveDocument:
    migrant_id: str
    document: Document
    caller: Caller


async def _record_person(uow: UnitOfWork, caller: Caller, operation: str, migrant: Migrant) -> None:
    await record_access(
        uow,
        caller,
        Access(
            operation=f"migrant-services.{operation}",
            resource_type="migrant",
            resource_ids=[migrant.migrant_id],
            documents=[(d.type.value, d.number) for d in migrant.documents],
        ),
    )


def identity_of(m: Migrant) -> MigrantIdentity:
    doc = identity_document(list(m.documents))
    return MigrantIdentity(
        migrant_id=m.migrant_id,
        document=IdentityDocument(type=doc.type, number=doc.number),
        document_expires_on=doc.expires_on,
        given_names=m.given_names,
        paternal_surname=m.paternal_surname,
        maternal_surname=m.maternal_surname,
        birth_date=m.birth_date,
        sex=m.sex,
        nationality=m.nationality,
        contact=contact_of(m),
    )


def contact_of(m: Migrant) -> Contact:
    return Contact(
        phone=m.phone,
        email=m.email,
        consent=Consent(sms=m.consent_sms, email=m.consent_email, whatsapp=m.consent_whatsapp),
    )


def _canonical(doc: Document, field: str) -> Document:
    """The document with its canonical number (the shared rule; the API has already applied it)."""
    return replace(doc, number=validate_document(doc.type, doc.number, field) or doc.number)


async def register_migrant(uow: UnitOfWork, command: RegisterMigrant) -> Migrant:
    """Validate and store a person with their documents; a document already on file is a duplicate."""
    check_point(command.caller.scope, command.attention_point, field="attention_point")
    now = uow.clock.now()
    check_documents(list(command.documents))
    documents = [_canonical(d, f"documents[{i}]") for i, d in enumerate(command.documents)]
    check_consent(command.phone, sms=command.consent_sms, whatsapp=command.consent_whatsapp)
    check_dates(command.birth_date, command.entry_date, uow.clock.today())
    checked = {"nationality": check_nationality(command.nationality), "documents": tuple(documents)}
    given = {k: v for k, v in vars(command).items() if k != "caller"}
    migrant = Migrant(**given | checked, migrant_id=str(uuid.uuid4()), registered_at=now)
    await load_point(uow.conn, migrant.attention_point)
    for i, doc in enumerate(documents):
        owner = await repository.document_owner(uow.conn, doc.type, doc.number)
        if owner is not None:
            raise Conflict(
                f"{doc.type.value} {doc.number} already belongs to migrant {owner}",
                field=f"documents[{i}].number",
                value=doc.number,
                expected="a document not registered yet (look the person up with GET /v1/migrants)",
            )
    await repository.insert_migrant(uow.conn, migrant)
    await uow.publish(
        MigrantRegistered(
            migrant_id=migrant.migrant_id,
            attention_point=migrant.attention_point,
            registered_at=now,
            person=identity_of(migrant),
        )
    )
    await _record_person(uow, command.caller, "migrant.register", migrant)
    return migrant


async def save_document(uow: UnitOfWork, command: SaveDocument) -> Migrant:
    """Add a document or renew the person's document of that type (a new expiry is watched anew)."""
    migrant = await load_migrant(uow.conn, command.migrant_id)
    check_point(command.caller.scope, migrant.attention_point, field="migrant_id")
    check_documents([command.document], field="document")
    doc = _canonical(command.document, "document")
    owner = await repository.document_owner(uow.conn, doc.type, doc.number)
    if owner is not None and owner != command.migrant_id:
        raise Conflict(
            f"{doc.type.value} {doc.number} already belongs to migrant {owner}",
            field="number",
            value=doc.number,
            expected="a document not registered to another person",
        )
    await repository.upsert_document(uow.conn, migrant.migrant_id, doc)
    saved = await load_migrant(uow.conn, command.migrant_id)
    # the documents before the change too: the auditor finds the person by either
    await _record_person(
        uow,
        command.caller,
        "migrant.document.save",
        replace(saved, documents=(*migrant.documents, *saved.documents)),
    )
    return saved


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class OpenCase:
    migrant_id: str
    attention_point: str
    requested_services: tuple[CaseService, ...]
    caller: Caller
    """Who acts: a Migracentro opens and moves cases of its own attention point(s) only."""


@dataclass(frozen=True)
class MoveCase:
    case_id: str
    status: CaseStatus
    note: str | None
    caller: Caller


async def record_case_access(uow: UnitOfWork, caller: Caller, operation: str, cases: list[Case]) -> None:
    """The access record of reading or changing `cases`: case and migrant ids, migrant documents."""
    migrant_ids = list(dict.fromkeys(c.migrant_id for c in cases))
    await record_access(
        uow,
        caller,
        Access(
            operation=f"migrant-services.{operation}",
            resource_type="case",
            resource_ids=[*(c.case_id for c in cases), *migrant_ids],
            documents=await repository.documents_of(uow.conn, migrant_ids),
        ),
    )


async def open_case(uow: UnitOfWork, command: OpenCase) -> Case:
    check_point(command.caller.scope, command.attention_point, field="attention_point")
    now = uow.clock.now()
    await load_migrant(uow.conn, command.migrant_id)
    await load_point(uow.conn, command.attention_point)
    case = Case.open(
        str(uuid.uuid4()),
        command.migrant_id,
        command.attention_point,
        command.requested_services,
        now,
        command.caller.subject,
    )
    await repository.insert_case(uow.conn, case)
    await uow.publish(
        CaseOpened(
            case_id=case.case_id,
            migrant_id=case.migrant_id,
            attention_point=case.attention_point,
            requested_services=case.requested_services,
            opened_at=now,
        )
    )
    await record_case_access(uow, command.caller, "case.open", [case])
    return case


async def move_case(uow: UnitOfWork, command: MoveCase) -> Case:
    """Start working on a case or close it; referred is reached by issuing a referral."""
    to, note = command.status, command.note
    if to is CaseStatus.REFERRED:
        raise DomainError(
            "a case becomes referred by issuing a referral",
            field="status",
            value=to.value,
            expected="in_progress or closed (POST /v1/cases/{id}/referrals to refer)",
        )
    if to is CaseStatus.CLOSED and not note:
        raise DomainError(
            "closing a case needs its outcome",
            field="note",
            value=note,
            expected="the outcome, e.g. 'CPP renewed' or 'referred to employment'",
        )
    now = uow.clock.now()
    case = await load_case(uow.conn, command.case_id, for_update=True)
    check_point(command.caller.scope, case.attention_point, field="case_id")
    entry = case.transition(to, at=now, actor=command.caller.subject, note=note)
    await repository.update_case(uow.conn, case, [entry])
    if to is CaseStatus.CLOSED:
        await uow.publish(
            CaseClosed(
                case_id=case.case_id,
                migrant_id=case.migrant_id,
                attention_point=case.attention_point,
                outcome=note or "",
                closed_at=now,
            )
        )
    await record_case_access(uow, command.caller, "case.move", [case])
    return case


# ---------------------------------------------------------------- referrals


@dataclass(frozen=True)
class IssueReferral:
    case_id: str
    target: ReferralTarget
    notes: str | None
    employment: EmploymentProfile | None
    caller: Caller


async def issue_referral(uow: UnitOfWork, command: IssueReferral) -> Referral:
    """Refer the person; the receiver gets the identity it needs to act (see ReferralIssued)."""
    now = uow.clock.now()
    target, employment = command.target, command.employment
    case = await load_case(uow.conn, command.case_id, for_update=True)
    check_point(command.caller.scope, case.attention_point, field="case_id")
    already = await repository.referral_targets(uow.conn, case.case_id)
    entry = case.refer(target, already_referred_to=already, at=now, actor=command.caller.subject)
    if entry is not None:
        await repository.update_case(uow.conn, case, [entry])
    migrant = await load_migrant(uow.conn, case.migrant_id)
    point = await load_point(uow.conn, case.attention_point)
    if target is ReferralTarget.EMPLOYMENT and employment is None:
        employment = EmploymentProfile(occupations=migrant.occupations, skills=migrant.skills)
    referral_id = str(uuid.uuid4())
    await repository.insert_referral(
        uow.conn, referral_id, case, target, command.notes, now, command.caller.subject
    )
    await uow.publish(
        ReferralIssued(
            referral_id=referral_id,
            case_id=case.case_id,
            migrant_id=case.migrant_id,
            target=target,
            attention_point=point.code,
            attention_point_ubigeo=point.ubigeo,
            issued_at=now,
            notes=command.notes,
            person=identity_of(migrant),
            employment=employment if target is ReferralTarget.EMPLOYMENT else None,
        )
    )
    await record_case_access(uow, command.caller, "referral.issue", [case])
    return await load_referral(uow.conn, referral_id)


# ---------------------------------------------------------------- appointments


@dataclass(frozen=True)
class BookAppointment:
    migrant_id: str
    attention_point: str
    service: CaseService
    day: date
    case_id: str | None = None


@dataclass(frozen=True)
class CancelAppointment:
    appointment_id: str
    reason: str


async def book_appointment(uow: UnitOfWork, command: BookAppointment) -> Appointment:
    """Take one slot of the day's capacity; the last slot goes to exactly one of concurrent bookers."""
    migrant_id, code, service, day, case_id = (
        command.migrant_id,
        command.attention_point,
        command.service,
        command.day,
        command.case_id,
    )
    migrant = await load_migrant(uow.conn, migrant_id)
    point = await load_point(uow.conn, code)
    capacity = check_bookable(point, service, day, uow.clock.today())
    if case_id is not None:
        case = await load_case(uow.conn, case_id)
        if case.migrant_id != migrant_id or case.status is CaseStatus.CLOSED:
            raise Conflict(
                f"case {case_id} is not an open case of migrant {migrant_id}",
                field="case_id",
                value=case_id,
                expected="an open case of the same migrant",
            )
    booked = await repository.take_slot(uow.conn, code, service, day, capacity)
    if booked is None:
        current = await repository.slot_day(uow.conn, code, service, day)
        raise SlotUnavailable(
            f"{code} has no free {service.value} slot on {day.isoformat()}"
            + (f" ({current.booked} of {current.capacity} booked)" if current else ""),
            field="day",
            value=day.isoformat(),
            expected="a day with free slots (GET /v1/attention-points/{code}/slots)",
        )
    appointment_id = str(uuid.uuid4())
    if not await repository.insert_appointment(
        uow.conn, appointment_id, migrant_id, case_id, code, service, day, uow.clock.now()
    ):
        raise Conflict(
            f"migrant {migrant_id} already has a {service.value} appointment at {code} on {day.isoformat()}",
            field="day",
            value=day.isoformat(),
            expected="one appointment per person, attention point, service and day",
        )
    await uow.publish(
        AppointmentScheduled(
            appointment_id=appointment_id,
            migrant_id=migrant_id,
            case_id=case_id,
            attention_point=code,
            attention_point_name=point.name,
            address=point.address,
            service=service,
            day=day,
            starts_at=point.starts_at(day),
            contact=contact_of(migrant),
            given_names=migrant.given_names,
        )
    )
    return await load_appointment(uow.conn, appointment_id)


async def cancel_appointment(uow: UnitOfWork, command: CancelAppointment) -> Appointment:
    """Cancel a booked appointment from today on and free its slot."""
    appointment_id = command.appointment_id
    appointment = await load_appointment(uow.conn, appointment_id, for_update=True)
    if appointment.status is AppointmentStatus.CANCELLED:
        raise Conflict(
            f"appointment {appointment_id} is already cancelled",
            field="status",
            value="cancelled",
            expected="a booked appointment",
        )
    if appointment.day < uow.clock.today():
        raise Conflict(
            f"appointment {appointment_id} was on {appointment.day.isoformat()}, in the past",
            field="day",
            value=appointment.day.isoformat(),
            expected="an appointment from today on",
        )
    await repository.cancel_appointment(uow.conn, appointment_id, command.reason, uow.clock.now())
    await repository.release_slot(uow.conn, appointment.attention_point, appointment.service, appointment.day)
    migrant = await load_migrant(uow.conn, appointment.migrant_id)
    point = await load_point(uow.conn, appointment.attention_point)
    await uow.publish(
        AppointmentCancelled(
            appointment_id=appointment_id,
            migrant_id=appointment.migrant_id,
            case_id=appointment.case_id,
            attention_point=point.code,
            attention_point_name=point.name,
            service=appointment.service,
            day=appointment.day,
            reason=command.reason,
            contact=contact_of(migrant),
            given_names=migrant.given_names,
        )
    )
    return await load_appointment(uow.conn, appointment_id)


# ---------------------------------------------------------------- document expiry watch


@dataclass(frozen=True)
class SweepExpiringDocuments:
    as_of: date | None = None
    """Sweep as if today were this date (default: today in Lima, from the clock)."""


@dataclass(frozen=True)
class ExpirySweep:
    as_of: date
    announced: int


async def sweep_expiring_documents(uow: UnitOfWork, command: SweepExpiringDocuments) -> ExpirySweep:
    """Announce every CPP or CE expiring within the window that was not announced for that expiry."""
    today = command.as_of or uow.clock.today()
    due = await repository.claim_expiring_documents(
        uow.conn, today, today + timedelta(days=EXPIRY_WINDOW_DAYS)
    )
    events: list[DocumentExpiring] = []
    migrants: dict[str, Migrant] = {}
    for migrant_id, doc in due:
        if migrant_id not in migrants:
            migrants[migrant_id] = await load_migrant(uow.conn, migrant_id)
        migrant = migrants[migrant_id]
        assert doc.expires_on is not None
        events.append(
            DocumentExpiring(
                migrant_id=migrant_id,
                document_type=doc.type,
                document_number=doc.number,
                expires_on=doc.expires_on,
                days_left=(doc.expires_on - today).days,
                given_names=migrant.given_names,
                contact=contact_of(migrant),
            )
        )
    if events:
        await uow.publish(*events)
        log.info("document expiry watch announced %d expiring documents", len(events))
    return ExpirySweep(as_of=today, announced=len(events))
