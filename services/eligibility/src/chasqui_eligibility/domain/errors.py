"""What the eligibility service refuses, in the shared error model (no HTTP status here)."""

from __future__ import annotations

from chasqui_common.errors import InvalidValue, NotFound, NotPermitted


class HouseholdNotFound(NotFound):
    """The household is not in the eligibility projection (no registry event brought it)."""

    code = "household-not-found"
    title = "Household not found"


class ProgramNotFound(NotFound):
    """No program of the rule book has this code."""

    code = "program-not-found"
    title = "Program not found"


class RuleSetInvalid(InvalidValue):
    """A candidate rule set has an expression that does not parse, reads an unknown fact or
    uses CEL the fast path cannot run."""

    code = "rule-set-invalid"
    title = "Candidate rule set is invalid"


class NoProgrammeInScope(NotPermitted):
    """The caller's token names no programme (`chasqui:programme`) and is not eligibility:national."""

    code = "eligibility-no-programme-in-scope"
    title = "The token names no programme"
