"""Use cases: each runs in one unit of work, so state and the events it causes commit together."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chasqui_common.bootstrap import UnitOfWork
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
from chasqui_common.events.registry import Consent, Contact, IdentityDocument

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.domain.appointments import AppointmentStatus, check_bookable
from chasqui_migrant_services.domain.attention_points import LIMA, AttentionPoint, check_code, check_ubigeo
from chasqui_migrant_services.domain.cases import Case, CaseStatus
from chasqui_migrant_services.domain.errors import Conflict, DomainError, NotFound, SlotUnavailable
from chasqui_migrant_services.domain.migrants import (
    EXPIRY_WINDOW_DAYS,
    Document,
    Migrant,
    check_dates,
    check_documents,
    check_nationality,
    identity_document,
    normalise_document,
)


def lima_today(now: datetime) -> date:
    return now.astimezone(LIMA).date()


# ---------------------------------------------------------------- attention points


async def register_point(uow: UnitOfWork, point: AttentionPoint) -> AttentionPoint:
    check_code(point.code)
    check_ubigeo(point.ubigeo)
    for service, capacity in point.daily_capacity.items():
        if capacity < 0:
            raise DomainError(
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


async def set_capacity(uow: UnitOfWork, code: str, service: CaseService, capacity: int) -> AttentionPoint:
    await point_or_404(uow, code)
    await repository.set_capacity(uow.conn, code, service, capacity)
    return await point_or_404(uow, code)


async def point_or_404(uow: UnitOfWork, code: str, field: str = "attention_point") -> AttentionPoint:
    point = await repository.get_point(uow.conn, code)
    if point is None:
        raise NotFound(
            f"attention point {code} does not exist",
            field=field,
            value=code,
            expected="the code of an attention point (GET /v1/attention-points)",
        )
    return point


# ---------------------------------------------------------------- migrants


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


async def register_migrant(uow: UnitOfWork, migrant: Migrant, now: datetime) -> Migrant:
    """Validate and store a person with their documents; a document already on file is a duplicate."""
    documents = [
        replace(d, number=normalise_document(d.type, d.number, f"documents[{i}]"))
        for i, d in enumerate(migrant.documents)
    ]
    check_documents(documents)
    check_dates(migrant.birth_date, migrant.entry_date, lima_today(now))
    migrant = replace(
        migrant,
        nationality=check_nationality(migrant.nationality),
        documents=tuple(documents),
        registered_at=now,
    )
    await point_or_404(uow, migrant.attention_point)
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
    return migrant


async def save_document(uow: UnitOfWork, migrant_id: str, doc: Document) -> Migrant:
    """Add a document or renew the person's document of that type (a new expiry is watched anew)."""
    migrant = await migrant_or_404(uow, migrant_id)
    doc = replace(doc, number=normalise_document(doc.type, doc.number, "document"))
    check_documents([doc], field="document")
    owner = await repository.document_owner(uow.conn, doc.type, doc.number)
    if owner is not None and owner != migrant_id:
        raise Conflict(
            f"{doc.type.value} {doc.number} already belongs to migrant {owner}",
            field="number",
            value=doc.number,
            expected="a document not registered to another person",
        )
    await repository.upsert_document(uow.conn, migrant.migrant_id, doc)
    return await migrant_or_404(uow, migrant_id)


async def migrant_or_404(uow: UnitOfWork, migrant_id: str, field: str = "migrant_id") -> Migrant:
    migrant = await repository.get_migrant(uow.conn, migrant_id)
    if migrant is None:
        raise NotFound(
            f"migrant {migrant_id} does not exist",
            field=field,
            value=migrant_id,
            expected="the id of a registered migrant",
        )
    return migrant


# ---------------------------------------------------------------- cases


async def open_case(
    uow: UnitOfWork,
    migrant_id: str,
    attention_point: str,
    services: tuple[CaseService, ...],
    actor: str,
    now: datetime,
) -> Case:
    await migrant_or_404(uow, migrant_id)
    await point_or_404(uow, attention_point)
    case = Case.open(str(uuid.uuid4()), migrant_id, attention_point, services, now, actor)
    await repository.insert_case(uow.conn, case)
    await uow.publish(
        CaseOpened(
            case_id=case.case_id,
            migrant_id=migrant_id,
            attention_point=attention_point,
            requested_services=case.requested_services,
            opened_at=now,
        )
    )
    return case


async def case_or_404(
    uow: UnitOfWork, case_id: str, *, for_update: bool = False, field: str = "case_id"
) -> Case:
    case = await repository.get_case(uow.conn, case_id, for_update=for_update)
    if case is None:
        raise NotFound(
            f"case {case_id} does not exist", field=field, value=case_id, expected="the id of a case"
        )
    return case


async def move_case(
    uow: UnitOfWork, case_id: str, to: CaseStatus, note: str | None, actor: str, now: datetime
) -> Case:
    """Start working on a case or close it; referred is reached by issuing a referral."""
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
    case = await case_or_404(uow, case_id, for_update=True)
    entry = case.transition(to, at=now, actor=actor, note=note)
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
    return case


# ---------------------------------------------------------------- appointments


async def book_appointment(
    uow: UnitOfWork,
    migrant_id: str,
    code: str,
    service: CaseService,
    day: date,
    case_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Take one slot of the day's capacity; the last slot goes to exactly one of concurrent bookers."""
    migrant = await migrant_or_404(uow, migrant_id)
    point = await point_or_404(uow, code)
    capacity = check_bookable(point, service, day, lima_today(now))
    if case_id is not None:
        case = await case_or_404(uow, case_id, field="case_id")
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
        uow.conn, appointment_id, migrant_id, case_id, code, service, day, now
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
    appointment = await repository.get_appointment(uow.conn, appointment_id)
    assert appointment is not None
    return appointment


async def cancel_appointment(
    uow: UnitOfWork, appointment_id: str, reason: str, now: datetime
) -> dict[str, Any]:
    appointment = await repository.get_appointment(uow.conn, appointment_id, for_update=True)
    if appointment is None:
        raise NotFound(
            f"appointment {appointment_id} does not exist",
            field="appointment_id",
            value=appointment_id,
            expected="the id of an appointment",
        )
    if appointment["status"] is AppointmentStatus.CANCELLED:
        raise Conflict(
            f"appointment {appointment_id} is already cancelled",
            field="status",
            value="cancelled",
            expected="a booked appointment",
        )
    if appointment["day"] < lima_today(now):
        raise Conflict(
            f"appointment {appointment_id} was on {appointment['day'].isoformat()}, in the past",
            field="day",
            value=appointment["day"].isoformat(),
            expected="an appointment from today on",
        )
    await repository.cancel_appointment(uow.conn, appointment_id, reason, now)
    await repository.release_slot(
        uow.conn, appointment["attention_point"], appointment["service"], appointment["day"]
    )
    migrant = await migrant_or_404(uow, appointment["migrant_id"])
    point = await point_or_404(uow, appointment["attention_point"])
    await uow.publish(
        AppointmentCancelled(
            appointment_id=appointment_id,
            migrant_id=appointment["migrant_id"],
            case_id=appointment["case_id"],
            attention_point=point.code,
            attention_point_name=point.name,
            service=appointment["service"],
            day=appointment["day"],
            reason=reason,
            contact=contact_of(migrant),
            given_names=migrant.given_names,
        )
    )
    cancelled = await repository.get_appointment(uow.conn, appointment_id)
    assert cancelled is not None
    return cancelled


# ---------------------------------------------------------------- referrals


async def issue_referral(
    uow: UnitOfWork,
    case_id: str,
    target: ReferralTarget,
    notes: str | None,
    employment: EmploymentProfile | None,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Refer the person; the receiver gets the identity it needs to act (see ReferralIssued)."""
    case = await case_or_404(uow, case_id, for_update=True)
    already = await repository.referral_targets(uow.conn, case_id)
    entry = case.refer(target, already_referred_to=already, at=now, actor=actor)
    if entry is not None:
        await repository.update_case(uow.conn, case, [entry])
    migrant = await migrant_or_404(uow, case.migrant_id)
    point = await point_or_404(uow, case.attention_point)
    if target is ReferralTarget.EMPLOYMENT and employment is None:
        employment = EmploymentProfile(occupations=migrant.occupations, skills=migrant.skills)
    referral_id = str(uuid.uuid4())
    await repository.insert_referral(uow.conn, referral_id, case, target, notes, now, actor)
    await uow.publish(
        ReferralIssued(
            referral_id=referral_id,
            case_id=case_id,
            migrant_id=case.migrant_id,
            target=target,
            attention_point=point.code,
            attention_point_ubigeo=point.ubigeo,
            issued_at=now,
            notes=notes,
            person=identity_of(migrant),
            employment=employment if target is ReferralTarget.EMPLOYMENT else None,
        )
    )
    referral = await repository.get_referral(uow.conn, referral_id)
    assert referral is not None
    return referral


# ---------------------------------------------------------------- document expiry watch


async def sweep_expiring_documents(uow: UnitOfWork, today: date) -> list[DocumentExpiring]:
    """Announce every CPP or CE expiring within the window that was not announced for that expiry."""
    due = await repository.claim_expiring_documents(
        uow.conn, today, today + timedelta(days=EXPIRY_WINDOW_DAYS)
    )
    events: list[DocumentExpiring] = []
    migrants: dict[str, Migrant] = {}
    for migrant_id, doc in due:
        if migrant_id not in migrants:
            migrants[migrant_id] = await migrant_or_404(uow, migrant_id)
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
    return events
