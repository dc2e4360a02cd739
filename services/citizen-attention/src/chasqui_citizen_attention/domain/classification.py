"""The ULE household classification request (form S100) and its deadlines.

Rule source: the MIDIS directive on household classification in the Sistema de Focalización de
Hogares (SISFOH), Directiva 001-2020-MIDIS (approved by Resolución Ministerial of the MIDIS) and the
gob.pe procedure "Solicitar la Clasificación Socioeconómica (CSE)": after the S100 request, the
ULE visits the home to fill the Ficha Socioeconómica Única (FSU) within 8 working days; the result
can be collected 25 working days after that evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chasqui_citizen_attention.domain.calendar import add_working_days, working_days_between
from chasqui_citizen_attention.domain.errors import DateInFuture, DateOutOfOrder, RequestStepInvalid

HOME_VISIT_WORKING_DAYS = 8
"""Working days from the S100 request to the home visit that fills the FSU (Directiva 001-2020-MIDIS)."""
RESULT_WORKING_DAYS = 25
"""Working days from the evaluation (home visit, FSU) to the result (Directiva 001-2020-MIDIS)."""
AT_RISK_WORKING_DAYS = 2
"""A deadline this close (in working days, still open) is shown as at risk: the service's own
threshold for the office's worklist, not a legal term."""


class RequestStatus(StrEnum):
    REGISTERED = "registered"
    """S100 received; the home visit is due."""
    EVALUATED = "evaluated"
    """FSU filled at the home visit; the result is due."""
    RESULT_RECORDED = "result_recorded"


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    MISSED = "missed"
    MET = "met"
    LATE = "late"
    """Done, but after its deadline."""


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: date
    done_on: date | None
    state: DeadlineState
    working_days_left: int | None


def home_visit_due(registered_on: date, days_off: Iterable[date]) -> date:
    return add_working_days(registered_on, HOME_VISIT_WORKING_DAYS, days_off)


def result_due(evaluated_on: date, days_off: Iterable[date]) -> date:
    return add_working_days(evaluated_on, RESULT_WORKING_DAYS, days_off)


def deadline_state(
    kind: str, due_on: date, done_on: date | None, today: date, days_off: Iterable[date]
) -> Deadline:
    """Where one deadline stands on `today`: met/late once done, else on time, at risk or missed."""
    if done_on is not None:
        state = DeadlineState.MET if done_on <= due_on else DeadlineState.LATE
        return Deadline(kind, due_on, done_on, state, None)
    left = working_days_between(today, due_on, days_off)
    if today > due_on:
        state = DeadlineState.MISSED
    elif left <= AT_RISK_WORKING_DAYS:
        state = DeadlineState.AT_RISK
    else:
        state = DeadlineState.ON_TIME
    return Deadline(kind, due_on, None, state, left)


def check_step(request_id: str, current: RequestStatus, expected: RequestStatus, action: str) -> None:
    if current is not expected:
        raise RequestStepInvalid(
            f"classification request {request_id} is {current.value}; {action} needs it {expected.value}",
            field="status",
            value=current.value,
            expected=expected.value,
        )


def check_not_future(field: str, day: date, today: date) -> None:
    """A visit or a result is recorded when it happened: never on a later day than today."""
    if day > today:
        raise DateInFuture(
            f"{field} {day.isoformat()} is after today ({today.isoformat()})",
            field=field,
            value=day.isoformat(),
            expected=f"a date on or before {today.isoformat()}",
        )


def check_not_before(field: str, day: date, earlier: date, what: str) -> None:
    if day < earlier:
        raise DateOutOfOrder(
            f"{field} {day.isoformat()} is before {what} ({earlier.isoformat()})",
            field=field,
            value=day.isoformat(),
            expected=f"a date on or after {earlier.isoformat()}",
        )
