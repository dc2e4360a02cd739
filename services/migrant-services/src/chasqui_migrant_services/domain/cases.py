"""Case lifecycle at a Migracentro: open → in_progress → referred → closed, every move recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chasqui_common.errors import Conflict, DomainError, InvalidTransition, InvalidValue
from chasqui_common.events.migrants import CaseService, ReferralTarget


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


# A case may close early (the person withdrew, or was served without referral); it never reopens.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.REFERRED, CaseStatus.CLOSED}),
    CaseStatus.REFERRED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}

# Which requested service a referral target follows from (a referral needs a matching request).
REFERRAL_FOR_SERVICE: dict[ReferralTarget, frozenset[CaseService]] = {
    ReferralTarget.EMPLOYMENT: frozenset({CaseService.EMPLOYMENT_ORIENTATION}),
    ReferralTarget.HOUSEHOLD_REGISTRATION: frozenset({CaseService.SOCIAL_PROGRAMS_REGISTRATION}),
    ReferralTarget.HEALTH: frozenset({CaseService.HEALTH_AFFILIATION}),
    ReferralTarget.EDUCATION: frozenset({CaseService.EDUCATION_VALIDATION}),
}


@dataclass(frozen=True)
class HistoryEntry:
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class Referral:
    """A case's referral of the person to another service of the State."""

    referral_id: str
    case_id: str
    migrant_id: str
    attention_point: str
    target: ReferralTarget
    notes: str | None
    issued_at: datetime
    issued_by: str


@dataclass
class Case:
    case_id: str
    migrant_id: str
    attention_point: str
    requested_services: tuple[CaseService, ...]
    status: CaseStatus
    opened_at: datetime
    closed_at: datetime | None = None
    outcome: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        case_id: str,
        migrant_id: str,
        attention_point: str,
        requested_services: tuple[CaseService, ...],
        at: datetime,
        actor: str,
    ) -> Case:
        if not requested_services:
            raise InvalidValue(
                "a case needs at least one requested service",
                field="requested_services",
                value=[],
                expected=f"one or more of {', '.join(s.value for s in CaseService)}",
            )
        services = tuple(dict.fromkeys(requested_services))  # drop repeats, keep order
        case = cls(case_id, migrant_id, attention_point, services, CaseStatus.OPEN, at)
        case.history.append(HistoryEntry(None, CaseStatus.OPEN, at, actor, "case opened"))
        return case

    def transition(
        self, to: CaseStatus, *, at: datetime, actor: str, note: str | None = None
    ) -> HistoryEntry:
        """Move the case to `to`, or raise InvalidTransition naming the allowed moves."""
        allowed = TRANSITIONS[self.status]
        if to not in allowed:
            expected = ", ".join(sorted(s.value for s in allowed)) or "none: the case is closed"
            raise InvalidTransition(
                f"case {self.case_id} is {self.status.value} and cannot become {to.value}",
                field="status",
                value=to.value,
                expected=f"a status reachable from {self.status.value}: {expected}",
            )
        entry = HistoryEntry(self.status, to, at, actor, note)
        self.status = to
        if to is CaseStatus.CLOSED:
            self.closed_at = at
            self.outcome = note
        self.history.append(entry)
        return entry

    def close(self, *, outcome: str, at: datetime, actor: str) -> HistoryEntry:
        return self.transition(CaseStatus.CLOSED, at=at, actor=actor, note=outcome)

    def refer(
        self, target: ReferralTarget, *, already_referred_to: set[ReferralTarget], at: datetime, actor: str
    ) -> HistoryEntry | None:
        """Record a referral: the case must be being worked on, and have asked for that service.

        The first referral moves an in-progress case to referred; further referrals (to other
        targets) keep it there. Returns the history entry of the move, if any.
        """
        if self.status not in (CaseStatus.IN_PROGRESS, CaseStatus.REFERRED):
            raise InvalidTransition(
                f"case {self.case_id} is {self.status.value}; referrals are issued from in_progress or "
                "referred cases",
                field="status",
                value=self.status.value,
                expected="in_progress or referred",
            )
        wanted = REFERRAL_FOR_SERVICE[target]
        if not wanted & set(self.requested_services):
            raise DomainError(
                f"case {self.case_id} did not request a service that leads to a {target.value} referral",
                field="target",
                value=target.value,
                expected="a target matching the case's requested services "
                f"({', '.join(s.value for s in self.requested_services)})",
            )
        if target in already_referred_to:
            raise Conflict(
                f"case {self.case_id} was already referred to {target.value}",
                field="target",
                value=target.value,
                expected="a target this case was not referred to yet",
            )
        if self.status is CaseStatus.REFERRED:
            return None
        return self.transition(CaseStatus.REFERRED, at=at, actor=actor, note=f"referred to {target.value}")
