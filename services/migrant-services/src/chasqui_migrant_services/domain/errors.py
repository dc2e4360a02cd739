"""Domain errors: each names the rule that was broken, and the field, value and expectation if any."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request breaks a domain rule; `kind` is the problem type the API answers with."""

    status = 422
    kind = "rule-violated"
    title = "Request breaks a domain rule"

    def __init__(
        self, detail: str, *, field: str | None = None, value: Any = None, expected: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.value = value
        self.expected = expected


class InvalidTransition(DomainError):
    status = 409
    kind = "invalid-transition"
    title = "Case cannot move to that status"


class SlotUnavailable(DomainError):
    status = 409
    kind = "slot-unavailable"
    title = "No free appointment slot"


class Conflict(DomainError):
    status = 409
    kind = "conflict"
    title = "Conflicts with the current state"


class NotFound(DomainError):
    status = 404
    kind = "not-found"
    title = "Not found"
