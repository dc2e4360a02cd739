"""The one error model: what a domain rule or use case refuses, named by field, value and expectation.

Domains and use cases raise these; they carry no HTTP status. The HTTP layer maps the class to a
status once (`chasqui_common.http.problems`), the consumer pipeline turns them into dead-letter
reasons. A service may subclass them for its own rules (e.g. `SlotUnavailable(Conflict)`), giving a
`code` of its own; the problem type URI is `https://chasqui.pe/problems/<code>` in every service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Violation:
    """One broken rule on one value: which field, the value it had, and what was expected."""

    field: str
    value: Any
    expected: str


class DomainError(Exception):
    """A request or event breaks a rule.

    `code` (kebab-case) names the rule and becomes the problem type; `detail` says it in a sentence;
    `field`, `value` and `expected` locate the fault when it is one value. A check that finds several
    faults at once passes them all as `violations` (the first is also `field`/`value`/`expected`).
    """

    code: ClassVar[str] = "rule-violated"
    title: ClassVar[str] = "Request breaks a domain rule"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
        violations: Sequence[Violation] = (),
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if field is None and violations:
            field, value, expected = violations[0].field, violations[0].value, violations[0].expected
        self.field = field
        self.value = value
        self.expected = expected
        self.violations: tuple[Violation, ...] = tuple(violations) or (
            (Violation(field, value, expected or detail),) if field is not None else ()
        )

    def extensions(self) -> dict[str, Any]:
        """Extension members of the problem document (RFC 9457 §3.2), e.g. the id of what exists."""
        return {}

    def __str__(self) -> str:
        if self.field is None:
            return self.detail
        return f"{self.detail} (field {self.field}={self.value!r}; expected {self.expected})"


class InvalidValue(DomainError):
    """One value is malformed or out of range (a DNI with a bad check digit, an unknown ubigeo)."""

    code = "invalid-value"
    title = "A value is not valid"


class NotFound(DomainError):
    """What the request names does not exist (or is not visible to the caller)."""

    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, an occupied slot)."""

    code = "conflict"
    title = "Conflicts with the current state"


class AlreadyExists(Conflict):
    """What the request would create exists already; `existing_id` names it (answered as a member)."""

    code = "already-exists"
    title = "Already exists"

    def __init__(self, detail: str, *, existing_id: str, field: str | None = None, value: Any = None) -> None:
        super().__init__(
            detail, field=field, value=value, expected="a value not registered yet" if field else None
        )
        self.existing_id = existing_id

    def extensions(self) -> dict[str, Any]:
        return {"existing_id": self.existing_id}


class InvalidTransition(Conflict):
    """The aggregate cannot move from its current status to the requested one."""

    code = "invalid-transition"
    title = "The current status does not allow this change"


class NotPermitted(DomainError):
    """The caller may not do this to this resource (beyond what the token's scopes say)."""

    code = "not-permitted"
    title = "Not permitted"


class RateLimited(DomainError):
    """The caller made more requests of this kind than its allowance (answered 429 with Retry-After).

    `retry_after_seconds` (whole seconds, at least 1) is when the next one will be accepted;
    `limit` and `period_seconds` say the allowance (e.g. 60 per 60 s) for the detail and the document.
    """

    code = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, limit: int, period_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)
        self.limit = limit
        self.period_seconds = period_seconds

    def extensions(self) -> dict[str, Any]:
        return {
            "retry_after_seconds": self.retry_after_seconds,
            "limit": self.limit,
            "period_seconds": self.period_seconds,
        }
