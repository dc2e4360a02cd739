"""The service's own refusals: each names its rule (`code`) and says what was wrong in `detail`.

The HTTP status comes from the shared base class (chasqui_common.http.problems): Conflict 409,
NotFound 404, InvalidValue 422.
"""

from __future__ import annotations

from chasqui_common import errors
from chasqui_common.errors import Conflict, InvalidValue


class InvalidCode(InvalidValue):
    """A value the service cannot accept for a field: a document, RUC, ubigeo, occupation, skill or id."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        super().__init__(
            f"{field}={value!r}: expected {expected}", field=field, value=value, expected=expected
        )

    def __str__(self) -> str:
        return self.detail


class AlreadyExists(errors.AlreadyExists):
    """What the request would create exists already: `existing_id` names it (a problem member)."""

    def __init__(self, detail: str, existing_id: str) -> None:
        super().__init__(detail, existing_id=existing_id)


class SeekerExists(AlreadyExists):
    code = "job-seeker-exists"
    title = "A job seeker with this document exists"


class EmployerExists(AlreadyExists):
    code = "employer-exists"
    title = "An employer with this RUC exists"


class ApplicationExists(AlreadyExists):
    code = "application-exists"
    title = "The job seeker already applied to this vacancy"


class PlacementExists(AlreadyExists):
    code = "placement-exists"
    title = "The job seeker is already placed in this vacancy"


class ClosingDatePassed(Conflict):
    code = "vacancy-closing-date"
    title = "The closing date has passed"


class VacancyNotOpen(Conflict):
    code = "vacancy-not-open"
    title = "The vacancy is not open"


class VacancyReserved(Conflict):
    code = "vacancy-reserved"
    title = "The vacancy is reserved for people with a disability"
