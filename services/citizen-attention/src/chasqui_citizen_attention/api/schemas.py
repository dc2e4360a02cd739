"""Request and response bodies of the citizen-attention HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from chasqui_common.events.registry import CseLevel
from chasqui_common.http.schemas import ResponseModel
from chasqui_common.values import IdentityDocument, IsoDate, IsoDateTime, Ubigeo, Uuid, text
from pydantic import BaseModel, ConfigDict, Field

from chasqui_citizen_attention.application.models import (
    Attention,
    CitizenView,
    ClassificationRequest,
    Referral,
    RequestDeadlines,
    Ticket,
)
from chasqui_citizen_attention.domain.classification import DeadlineState, RequestStatus
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.records import Channel, KnownFrom, Outcome, TimelineKind
from chasqui_citizen_attention.domain.referrals import ReferralSource, ReferralStatus
from chasqui_citizen_attention.domain.tickets import TicketStatus

Id = Uuid
"""A citizen, ticket, attention, referral or request id: a UUID."""
Code = Annotated[str, text(min_length=1, max_length=64)]
"""A procedure, step or sector code as the municipality's data file names it."""
Name = Annotated[str, text(min_length=1, max_length=120)]
Staff = Annotated[str, text(min_length=1, max_length=120)]
Note = Annotated[str, text(min_length=1, max_length=4000, multiline=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- municipal data -------------------------------------------------------------------------------


class ProcedureOut(ResponseModel):
    code: str
    name: str
    steps: list[str]
    deadline_working_days: int


class OfficeOut(ResponseModel):
    office: Office
    name: str
    procedures: list[ProcedureOut]


class NonWorkingDayOut(ResponseModel):
    day: date
    reason: str


class SectorOut(ResponseModel):
    code: str
    name: str


class MunicipalityOut(ResponseModel):
    ubigeo: str
    name: str
    offices: list[OfficeOut]
    non_working_days: list[NonWorkingDayOut]
    sectors: list[SectorOut]


# -- citizens -------------------------------------------------------------------------------------


class CitizenIn(_In):
    """A person unknown to the registry, met at the counter."""

    document: IdentityDocument = Field(examples=[{"type": "DNI", "number": "45678912"}])
    given_names: Name
    paternal_surname: Name | None = None
    maternal_surname: Name | None = None
    birth_date: IsoDate | None = None


class CitizenOut(ResponseModel):
    citizen_id: str
    document_type: str
    document_number: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    age: int | None
    sex: str | None
    household_id: str | None
    disability_severity: str | None
    disability_certified: bool | None
    cse_in_force: str | None = Field(description="The household's CSE level if still valid today")
    cse_valid_until: date | None
    migrant_id: str | None
    migrant_case_id: str | None
    seeker_id: str | None
    known_from: KnownFrom

    @classmethod
    def of_view(cls, view: CitizenView) -> CitizenOut:
        return cls.of(view.citizen, age=view.age, cse_in_force=view.cse_in_force)


# -- tickets and attentions -----------------------------------------------------------------------


class TicketIn(_In):
    municipality: Ubigeo = Field(examples=["150142"])
    office: Office
    citizen_id: Id | None = None
    procedure: Code | None = None


class TicketMoveIn(_In):
    staff: Staff


class TicketOut(ResponseModel):
    ticket_id: str
    code: str = Field(description="Office and number as the screen shows it, e.g. ULE-007")
    municipality: str
    office: Office
    day: date
    number: int
    citizen_id: str | None
    procedure: str | None
    status: TicketStatus
    issued_at: datetime
    called_at: datetime | None
    called_by: str | None
    attended_at: datetime | None
    closed_at: datetime | None
    waiting_seconds: int | None

    @classmethod
    def of_ticket(cls, ticket: Ticket) -> TicketOut:
        return cls.of(
            ticket, municipality=ticket.ubigeo, code=ticket.code, waiting_seconds=ticket.waiting_seconds
        )


class AttentionIn(_In):
    municipality: Ubigeo = Field(examples=["150142"])
    office: Office
    procedure: Code = Field(examples=["S100"])
    step: Code | None = Field(default=None, description="Default: the procedure's first step")
    citizen_id: Id
    staff: Staff
    channel: Channel = Channel.IN_PERSON
    outcome: Outcome
    duration_seconds: int = Field(ge=0, le=86_400)
    ticket_id: Id | None = None
    notes: Note | None = None
    sector: Code | None = None
    started_at: IsoDateTime | None = None


class AttentionOut(ResponseModel):
    attention_id: str
    municipality: str
    office: Office
    procedure: str
    step: str
    citizen_id: str
    ticket_id: str | None
    staff: str
    channel: Channel
    outcome: Outcome
    notes: str | None
    sector: str | None
    day: date
    started_at: datetime
    duration_seconds: int
    waiting_seconds: int | None

    @classmethod
    def of_attention(cls, attention: Attention) -> AttentionOut:
        return cls.of(attention, municipality=attention.ubigeo)


# -- referrals ------------------------------------------------------------------------------------


class ReferralIn(_In):
    municipality: Ubigeo = Field(examples=["150142"])
    from_office: Office
    to_office: Office
    citizen_id: Id
    staff: Staff
    procedure: Code | None = None
    reason: Note | None = None
    due_on: IsoDate | None = Field(default=None, description="Default: the procedure's working-day deadline")
    due_in_working_days: int | None = Field(default=None, ge=1, le=120)


class ReferralMoveIn(_In):
    staff: Staff
    reason: Note | None = Field(default=None, description="Required to reject")


class ReferralOut(ResponseModel):
    referral_id: str
    municipality: str | None
    district: str
    source: ReferralSource
    from_office: Office | None
    to_office: Office
    citizen_id: str
    procedure: str | None
    reason: str | None
    status: ReferralStatus
    due_on: date
    made_on: date
    made_at: datetime
    made_by: str
    accepted_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str | None
    completed_at: datetime | None
    deadline_missed_at: datetime | None
    migrant_case_id: str | None
    confidential: bool

    @classmethod
    def of_referral(cls, referral: Referral) -> ReferralOut:
        return cls.of(referral, municipality=referral.ubigeo, confidential=referral.confidential)


# -- classification requests ----------------------------------------------------------------------


class ClassificationRequestIn(_In):
    municipality: Ubigeo = Field(examples=["150142"])
    citizen_id: Id
    staff: Staff
    household_id: Annotated[str, text(min_length=1, max_length=64)] | None = None
    registered_on: IsoDate | None = None


class HomeVisitIn(_In):
    visited_on: IsoDate | None = None


class ClassificationResultIn(_In):
    level: CseLevel
    valid_from: IsoDate
    valid_until: IsoDate
    household_id: Annotated[str, text(min_length=1, max_length=64)] | None = None


class DeadlineOut(ResponseModel):
    kind: str
    due_on: date
    done_on: date | None
    state: DeadlineState
    working_days_left: int | None


class ClassificationRequestOut(ResponseModel):
    request_id: str
    municipality: str
    citizen_id: str
    household_id: str | None
    status: RequestStatus
    registered_on: date
    home_visit_due_on: date
    visited_on: date | None
    result_due_on: date | None
    result_level: str | None
    result_valid_from: date | None
    result_valid_until: date | None
    result_recorded_on: date | None
    home_visit: DeadlineOut | None = None
    result: DeadlineOut | None = None

    @classmethod
    def of_request(cls, request: ClassificationRequest) -> ClassificationRequestOut:
        return cls.of(request, municipality=request.ubigeo)

    @classmethod
    def of_deadlines(cls, deadlines: RequestDeadlines) -> ClassificationRequestOut:
        r = deadlines.request
        return cls.of(r, municipality=r.ubigeo, home_visit=deadlines.home_visit, result=deadlines.result)


class ClassificationDeadlinesOut(ResponseModel):
    municipality: str
    today: date
    at_risk: int
    missed: int
    requests: list[ClassificationRequestOut]


# -- timeline and figures -------------------------------------------------------------------------


class TimelineEntryOut(ResponseModel):
    kind: TimelineKind
    id: str
    office: Office
    at: datetime
    confidential: bool
    procedure: str | None
    status: str | None
    detail: str | None


class TimelineOut(ResponseModel):
    citizen: CitizenOut
    household_id: str | None
    migrant_id: str | None
    migrant_case_id: str | None
    seeker_id: str | None
    entries: list[TimelineEntryOut]


class AttentionFigureOut(ResponseModel):
    office: str
    procedure: str
    day: date
    sector: str | None
    attentions: int
    service_p50_seconds: float | None
    service_p90_seconds: float | None
    waiting_p50_seconds: float | None
    waiting_p90_seconds: float | None


class QueueFigureOut(ResponseModel):
    office: str
    day: date
    tickets: int
    no_shows: int
    waiting_p50_seconds: float | None
    waiting_p90_seconds: float | None


class ReferralFigureOut(ResponseModel):
    office: str
    day: date
    made: int
    received: int
    completed: int
    completed_on_time: int
    missed: int


class ComplianceOut(ResponseModel):
    referrals_due: int
    referrals_on_time: int
    home_visits_due: int
    home_visits_on_time: int
    results_due: int
    results_on_time: int


class AttentionFiguresOut(ResponseModel):
    municipality: str
    first: date
    last: date
    attentions: list[AttentionFigureOut]
    queues: list[QueueFigureOut]
    referrals: list[ReferralFigureOut]
    compliance: ComplianceOut


class ProcessStepOut(ResponseModel):
    step: str
    position: int | None
    attentions: int
    citizens: int
    duration_p50_seconds: float | None


class ProcessTransitionOut(ResponseModel):
    from_step: str
    to_step: str
    count: int
    median_seconds: float | None


class ProcessMapOut(ResponseModel):
    municipality: str
    office: Office
    procedure: str
    first: date
    last: date
    steps: list[ProcessStepOut]
    transitions: list[ProcessTransitionOut]


# -- worklists fed by eligibility decisions ------------------------------------------------------


class WorklistEntryOut(ResponseModel):
    """One person (CIAM, OMAPED) or household (ULE) to reach out to, with the decision's ids; the
    citizen fields are null while the citizen projection does not know the person yet."""

    household_id: str
    person_id: str | None
    program: str
    reason: str = Field(
        description="newly_eligible_ciam, newly_eligible_omaped or cse_missing_expired_or_expiring"
    )
    decision_id: str
    since: date
    citizen_id: str | None
    municipality: str | None
    document_type: str | None
    document_number: str | None
    given_names: str | None
    paternal_surname: str | None
    maternal_surname: str | None


class WorklistOut(ResponseModel):
    office: Office
    municipality: str | None
    entries: list[WorklistEntryOut]
