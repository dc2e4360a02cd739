"""Referrals between offices: made (pending), accepted, rejected with a reason, completed; a
deadline in working days; a missed deadline is announced once."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from chasqui_citizen_attention.domain.errors import (
    DeadlineInPast,
    ReferralToSameOffice,
    ReferralTransitionInvalid,
)
from chasqui_citizen_attention.domain.municipalities import Office


class ReferralStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COMPLETED = "completed"


class ReferralSource(StrEnum):
    OFFICE = "office"
    """Another office of the same municipality."""
    MIGRACENTRO = "migracentro"
    """A migrant-services referral to household registration (lands at the ULE)."""


OPEN_STATUSES = frozenset({ReferralStatus.PENDING, ReferralStatus.ACCEPTED})
ALLOWED: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PENDING: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.REJECTED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED}),
    ReferralStatus.REJECTED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
}


def check_referral_offices(from_office: Office | None, to_office: Office) -> None:
    """A referral goes to another office: referring to one's own office sends nobody anywhere."""
    if from_office is not None and from_office == to_office:
        raise ReferralToSameOffice(
            f"a referral from {from_office.value} cannot go to {to_office.value} itself",
            field="to_office",
            value=to_office.value,
            expected=f"an office other than {from_office.value}",
        )


def check_due_on(due_on: date, today: date) -> None:
    """An explicit deadline cannot be in the past (today is allowed)."""
    if due_on < today:
        raise DeadlineInPast(
            f"the deadline {due_on.isoformat()} is before today ({today.isoformat()})",
            field="due_on",
            value=due_on.isoformat(),
            expected=f"a date on or after {today.isoformat()}",
        )


def check_referral_move(referral_id: str, current: ReferralStatus, target: ReferralStatus) -> None:
    if target not in ALLOWED[current]:
        allowed = sorted(s.value for s in ALLOWED[current]) or ["none: the referral is finished"]
        raise ReferralTransitionInvalid(
            f"referral {referral_id} cannot move from {current.value} to {target.value}",
            field="status",
            value=target.value,
            expected="one of " + ", ".join(allowed),
        )


def deadline_missed(status: ReferralStatus, due_on: date, today: date) -> bool:
    """An open referral whose deadline day has passed (the deadline day itself still counts)."""
    return status in OPEN_STATUSES and due_on < today
