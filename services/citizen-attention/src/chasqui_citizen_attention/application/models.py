"""Commands, queries and results of the citizen-attention use cases: what the HTTP API, the event
handlers, the background tasks and the front-desk console call. Results that are whole records
are the domain's frozen dataclasses, re-exported here so callers import from one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from chasqui_common.auth.scope import Caller
from chasqui_common.events.registry import CseLevel, Household
from chasqui_common.values import IdentityDocument

from chasqui_citizen_attention.adapters.repository import (
    AttentionFigureRow,
    QueueFigureRow,
    ReferralFigureRow,
)
from chasqui_citizen_attention.domain.classification import Deadline
from chasqui_citizen_attention.domain.errors import CitizenNotFound
from chasqui_citizen_attention.domain.municipalities import Municipality, Office
from chasqui_citizen_attention.domain.records import (
    Attention,
    Channel,
    Citizen,
    ClassificationRequest,
    Outcome,
    Referral,
    Ticket,
    TimelineEntry,
)
from chasqui_citizen_attention.domain.referrals import ReferralStatus
from chasqui_citizen_attention.domain.tickets import TicketStatus

__all__ = [
    "Attention",
    "AttentionFigureRow",
    "AttentionFigures",
    "AttentionFiguresQuery",
    "Citizen",
    "CitizenLookup",
    "CitizenView",
    "ClassificationDeadlines",
    "ClassificationRequest",
    "ComplianceFigures",
    "FindCitizenQuery",
    "FlagMissedReferrals",
    "GetAttentionQuery",
    "GetCitizenQuery",
    "GetMunicipalityQuery",
    "GetReferralQuery",
    "GetRequestQuery",
    "GetTicketQuery",
    "GetTimelineQuery",
    "IssueTicket",
    "LinkMigrantCase",
    "ListClassificationDeadlinesQuery",
    "ListMunicipalitiesQuery",
    "ListReferralsQuery",
    "ListTicketsQuery",
    "LoadMunicipalData",
    "MakeReferral",
    "MissedReferralsFlagged",
    "MoveReferral",
    "MoveTicket",
    "MunicipalDataLoaded",
    "Municipality",
    "ProcessMap",
    "ProcessMapQuery",
    "ProcessStep",
    "ProcessTransition",
    "QueueFigureRow",
    "ReceiveMigrantReferral",
    "RecordAttention",
    "RecordClassificationResult",
    "RecordHomeVisit",
    "Referral",
    "ReferralFigureRow",
    "RegisterCitizen",
    "RegisterClassificationRequest",
    "RequestDeadlines",
    "TakeOtherServicePerson",
    "TakeRegistryHousehold",
    "Ticket",
    "Timeline",
    "TimelineEntry",
]

# -- municipal data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadMunicipalData:
    """Load the packaged data files and those of `extra_dirs` (settings MUNICIPAL_DATA_DIRS)."""

    extra_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class MunicipalDataLoaded:
    municipalities: tuple[str, ...]
    """Ubigeos loaded, in file order."""


@dataclass(frozen=True)
class GetMunicipalityQuery:
    ubigeo: str


@dataclass(frozen=True)
class ListMunicipalitiesQuery:
    pass


# -- citizens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakeRegistryHousehold:
    """A registry.households snapshot: every member with a document becomes (or updates) a citizen."""

    household: Household
    event_time: datetime


@dataclass(frozen=True)
class TakeOtherServicePerson:
    """A person as migrant-services or employment-matching announced them, with the links known."""

    document: IdentityDocument
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    sex: str | None
    source: str
    """`migrant-services` or `employment-matching`."""
    migrant_id: str | None = None
    migrant_case_id: str | None = None
    seeker_id: str | None = None


@dataclass(frozen=True)
class LinkMigrantCase:
    migrant_id: str
    case_id: str


@dataclass(frozen=True)
class RegisterCitizen:
    """A person unknown to the registry, attended at the counter: document and name are enough."""

    document: IdentityDocument
    given_names: str
    paternal_surname: str | None = None
    maternal_surname: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class FindCitizenQuery:
    document: IdentityDocument
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class GetCitizenQuery:
    citizen_id: str
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class CitizenView:
    """A citizen with what the counter reads at a glance: age today and the CSE in force."""

    citizen: Citizen
    age: int | None
    cse_in_force: str | None

    @property
    def citizen_id(self) -> str:
        return self.citizen.citizen_id


@dataclass(frozen=True)
class CitizenLookup:
    """The answer to a lookup by document: the citizen, or None when nobody holds it.

    A lookup that finds nobody is an answer, not a failure: it commits, so it takes its
    rate-limit token and leaves its access record (`none-found`); a lookup refused with an error
    would roll both back and let a client enumerate numbers unthrottled. `found()` turns the
    answer into the citizen or CitizenNotFound for callers that answer 404."""

    document: IdentityDocument
    view: CitizenView | None

    def found(self) -> CitizenView:
        """The citizen; CitizenNotFound (field `document.number`) when nobody holds the document."""
        if self.view is None:
            doc = self.document
            raise CitizenNotFound(
                f"no citizen with {doc.type.value} {doc.number}: register them to attend them",
                field="document.number",
                value=doc.number,
                expected="the document of a known citizen",
            )
        return self.view


# -- tickets and attentions -----------------------------------------------------------------------


@dataclass(frozen=True)
class IssueTicket:
    municipality: str
    office: Office
    citizen_id: str | None = None
    procedure: str | None = None


@dataclass(frozen=True)
class MoveTicket:
    """Call (`called`), start (`attended`), close (`closed`) or give up on (`no_show`) a ticket."""

    ticket_id: str
    status: TicketStatus
    staff: str


@dataclass(frozen=True)
class GetTicketQuery:
    ticket_id: str


@dataclass(frozen=True)
class ListTicketsQuery:
    municipality: str
    office: Office
    day: date | None = None
    """None: today (Lima)."""
    status: TicketStatus | None = None


@dataclass(frozen=True)
class RecordAttention:
    """One visit at an office. With `ticket_id`, the ticket closes and its waiting time is kept.

    `may_read_confidential`: the caller holds attention:demuna (needed to record at DEMUNA).
    """

    municipality: str
    office: Office
    procedure: str
    step: str | None
    citizen_id: str
    staff: str
    channel: Channel
    outcome: Outcome
    duration_seconds: int
    may_read_confidential: bool
    ticket_id: str | None = None
    notes: str | None = None
    sector: str | None = None
    started_at: datetime | None = None
    """None: now minus the duration."""


@dataclass(frozen=True)
class GetAttentionQuery:
    attention_id: str
    may_read_confidential: bool
    caller: Caller = field(kw_only=True)


# -- referrals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MakeReferral:
    """Refer a person from one office to another of the same municipality.

    The deadline is `due_on` if given (not in the past), else `due_in_working_days` working days
    from today, else the target procedure's deadline, else DEFAULT_REFERRAL_WORKING_DAYS.
    """

    municipality: str
    from_office: Office
    to_office: Office
    citizen_id: str
    staff: str
    may_read_confidential: bool
    procedure: str | None = None
    reason: str | None = None
    due_on: date | None = None
    due_in_working_days: int | None = None


@dataclass(frozen=True)
class ReceiveMigrantReferral:
    """A Migracentro's referral to household registration (migrant-services ReferralIssued)."""

    external_id: str
    case_id: str
    migrant_id: str
    district: str
    """The district the referral is for: the referring attention point's ubigeo."""
    person: TakeOtherServicePerson
    notes: str | None


@dataclass(frozen=True)
class MoveReferral:
    """Accept, reject (with a reason) or complete a referral."""

    referral_id: str
    status: ReferralStatus
    staff: str
    may_read_confidential: bool
    reason: str | None = None


@dataclass(frozen=True)
class GetReferralQuery:
    referral_id: str
    may_read_confidential: bool


@dataclass(frozen=True)
class ListReferralsQuery:
    may_read_confidential: bool
    municipality: str | None = None
    to_office: Office | None = None
    status: ReferralStatus | None = None
    citizen_id: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class FlagMissedReferrals:
    limit: int = 500


@dataclass(frozen=True)
class MissedReferralsFlagged:
    referral_ids: tuple[str, ...]


# -- ULE classification requests ------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterClassificationRequest:
    municipality: str
    citizen_id: str
    staff: str
    household_id: str | None = None
    """None: the citizen's household in the registry projection, if any."""
    registered_on: date | None = None
    """None: today. Never after today."""


@dataclass(frozen=True)
class RecordHomeVisit:
    request_id: str
    visited_on: date | None = None
    """None: today."""


@dataclass(frozen=True)
class RecordClassificationResult:
    request_id: str
    level: CseLevel
    valid_from: date
    valid_until: date
    household_id: str | None = None
    """Needed when the request has no household yet (a household registered by this request)."""


@dataclass(frozen=True)
class GetRequestQuery:
    request_id: str


@dataclass(frozen=True)
class ListClassificationDeadlinesQuery:
    municipality: str
    only_open: bool = True


@dataclass(frozen=True)
class RequestDeadlines:
    request: ClassificationRequest
    home_visit: Deadline
    result: Deadline | None
    """None until the home visit (the result's term starts at the evaluation)."""


@dataclass(frozen=True)
class ClassificationDeadlines:
    municipality: str
    today: date
    requests: tuple[RequestDeadlines, ...]
    at_risk: int
    missed: int


# -- timeline and figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class GetTimelineQuery:
    citizen_id: str
    may_read_confidential: bool
    limit: int = 200
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class Timeline:
    citizen: CitizenView
    household_id: str | None
    migrant_id: str | None
    migrant_case_id: str | None
    seeker_id: str | None
    entries: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class AttentionFiguresQuery:
    municipality: str
    first: date
    last: date
    office: Office | None = None


@dataclass(frozen=True)
class ComplianceFigures:
    """Deadline compliance over the period: referrals completed on time among those completed or
    missed, and S100 home visits and results done by their due day among those due."""

    referrals_due: int
    referrals_on_time: int
    home_visits_due: int
    home_visits_on_time: int
    results_due: int
    results_on_time: int


@dataclass(frozen=True)
class AttentionFigures:
    municipality: str
    first: date
    last: date
    attentions: tuple[AttentionFigureRow, ...]
    queues: tuple[QueueFigureRow, ...]
    referrals: tuple[ReferralFigureRow, ...]
    compliance: ComplianceFigures


@dataclass(frozen=True)
class ProcessMapQuery:
    municipality: str
    office: Office
    procedure: str
    first: date
    last: date
    may_read_confidential: bool


@dataclass(frozen=True)
class ProcessStep:
    step: str
    position: int | None
    """Its place in the procedure's data (None: a step no longer in the data file)."""
    attentions: int
    citizens: int
    duration_p50_seconds: float | None


@dataclass(frozen=True)
class ProcessTransition:
    from_step: str
    to_step: str
    count: int
    median_seconds: float | None


@dataclass(frozen=True)
class ProcessMap:
    municipality: str
    office: Office
    procedure: str
    first: date
    last: date
    steps: tuple[ProcessStep, ...]
    transitions: tuple[ProcessTransition, ...] = field(default=())
