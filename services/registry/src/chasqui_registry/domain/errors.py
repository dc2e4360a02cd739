"""The registry's own rule errors: subclasses of the shared `chasqui_common.errors` classes.

They carry no HTTP status: the shared problem mapping gives it from the base class, and lists every
violation a rule check found (`errors` in the problem document).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chasqui_common.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    InvalidValue,
    NotPermitted,
    Violation,
)

__all__ = [
    "DocumentError",
    "DocumentTaken",
    "HouseholdNotActive",
    "ImportBusy",
    "InvalidHousehold",
    "OutsideDistrict",
    "Violation",
]


class InvalidHousehold(DomainError):
    """Household or member data breaks one or more registry rules (all of them are listed)."""

    code = "registry-invalid-household"
    title = "Household data breaks a registry rule"

    def __init__(self, detail: str, violations: Sequence[Violation]) -> None:
        super().__init__(detail, violations=violations)


class HouseholdNotActive(InvalidTransition):
    """The household is deregistered: it can no longer change."""

    code = "registry-household-deregistered"
    title = "Household is deregistered"

    def __init__(self, detail: str, violations: Sequence[Violation]) -> None:
        super().__init__(detail, violations=violations)


class DocumentTaken(Conflict):
    """A document number already belongs to a registered person of another household."""

    code = "registry-document-taken"
    title = "Document already registered"

    def __init__(self, detail: str, violations: Sequence[Violation], existing_household_id: str) -> None:
        super().__init__(detail, violations=violations)
        self.existing_household_id = existing_household_id

    def extensions(self) -> dict[str, Any]:
        return {"existing_household_id": self.existing_household_id}


class DocumentError(InvalidValue):
    """An identity document's number does not fit its type (format, DNI check character)."""

    code = "registry-invalid-document"
    title = "Identity document is not valid"

    def __init__(self, violation: Violation) -> None:
        super().__init__(
            violation.expected, field=violation.field, value=violation.value, expected=violation.expected
        )
        self.violation = violation


class ImportBusy(Conflict):
    """This replica is already running an import (one at a time per replica)."""

    code = "registry-import-busy"
    title = "An import is already running"


class OutsideDistrict(NotPermitted):
    """The household is in a district the caller's token does not cover (domain/access.py)."""

    code = "registry-outside-district"
    title = "Household is outside the caller's district"
