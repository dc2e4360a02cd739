"""What the service keeps, as plain data: citizens, tickets, attentions, referrals, classification
requests, and the entries of a person's timeline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from chasqui_citizen_attention.domain.classification import RequestStatus
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.referrals import ReferralSource, ReferralStatus
from chasqui_citizen_attention.domain.tickets import TicketStatus


class Channel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    HOME_VISIT = "home_visit"
    VIRTUAL = "virtual"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"


class KnownFrom(StrEnum):
    REGISTRY = "registry"
    MIGRANT_SERVICES = "migrant-services"
    EMPLOYMENT_MATCHING = "employment-matching"
    COUNTER = "counter"
    """First met at a municipal counter: unknown to the registry."""


@dataclass(frozen=True)
class Citizen:
    citizen_id: str
    document_type: str
    document_number: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    sex: str | None
    person_id: str | None
    household_id: str | None
    household_ubigeo: str | None
    disability_severity: str | None
    disability_certified: bool | None
    cse_level: str | None
    cse_valid_until: date | None
    migrant_id: str | None
    migrant_case_id: str | None
    seeker_id: str | None
    known_from: KnownFrom

    def age_on(self, today: date) -> int | None:
        """Whole years on `today` (None when the birth date is unknown)."""
        if self.birth_date is None:
            return None
        years = today.year - self.birth_date.year
        return years - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))

    def cse_in_force(self, today: date) -> str | None:
        """The household's CSE level if its validity has not ended on `today`."""
        if self.cse_level is None or self.cse_valid_until is None or self.cse_valid_until < today:
            return None
        return self.cse_level


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    ubigeo: str
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

    @property
    def code(self) -> str:
        """What the screen shows: office and number, e.g. `ULE-007`."""
        return f"{self.office.value}-{self.number:03d}"

    @property
    def waiting_seconds(self) -> int | None:
        """Seconds from issue to call (None until called)."""
        if self.called_at is None:
            return None
        return max(0, int((self.called_at - self.issued_at).total_seconds()))


@dataclass(frozen=True)
class Attention:
    attention_id: str
    ubigeo: str
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


@dataclass(frozen=True)
class Referral:
    referral_id: str
    ubigeo: str | None
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
    completed_on: date | None
    deadline_missed_at: datetime | None
    external_id: str | None
    migrant_case_id: str | None

    @property
    def confidential(self) -> bool:
        return Office.DEMUNA in (self.from_office, self.to_office)

    def redacted(self) -> Referral:
        """The referral without its words (reason, rejection reason, procedure)."""
        return replace(self, reason=None, rejection_reason=None, procedure=None)


@dataclass(frozen=True)
class ClassificationRequest:
    request_id: str
    ubigeo: str
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
    registered_by: str


class TimelineKind(StrEnum):
    TICKET = "ticket"
    ATTENTION = "attention"
    REFERRAL = "referral"
    CLASSIFICATION_REQUEST = "classification_request"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a person at an office. For a confidential office read without
    the DEMUNA scope, only kind, id, office, time and `confidential` are filled."""

    kind: TimelineKind
    id: str
    office: Office
    at: datetime
    confidential: bool
    procedure: str | None = None
    status: str | None = None
    detail: str | None = None

    def redacted(self) -> TimelineEntry:
        return replace(self, procedure=None, status=None, detail=None)
