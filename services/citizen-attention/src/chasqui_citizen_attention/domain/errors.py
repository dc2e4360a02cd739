"""The citizen-attention service's refusals (codes become problem types; no HTTP status here)."""

from __future__ import annotations

from chasqui_common.errors import Conflict, InvalidTransition, InvalidValue, NotFound, NotPermitted


class UnknownMunicipality(NotFound):
    code = "unknown-municipality"
    title = "No attention data is loaded for this municipality"


class UnknownOffice(InvalidValue):
    code = "unknown-office"
    title = "The municipality has no such office"


class UnknownProcedure(InvalidValue):
    code = "unknown-procedure"
    title = "The office has no such procedure"


class UnknownStep(InvalidValue):
    code = "unknown-step"
    title = "The procedure has no such step"


class UnknownSector(InvalidValue):
    code = "unknown-sector"
    title = "The municipality has no such sector"


class InvalidMunicipalData(InvalidValue):
    code = "invalid-municipal-data"
    title = "A municipality's attention data file is not valid"


class CitizenNotFound(NotFound):
    code = "citizen-not-found"
    title = "No citizen is known with this id or document"


class CitizenAlreadyKnown(Conflict):
    code = "citizen-already-known"
    title = "A citizen with this document is already known"


class TicketNotFound(NotFound):
    code = "ticket-not-found"
    title = "No such ticket"


class TicketAlreadyCalled(InvalidTransition):
    code = "ticket-already-called"
    title = "The ticket was called already"


class TicketTransitionInvalid(InvalidTransition):
    code = "ticket-transition-invalid"
    title = "The ticket cannot move to this status from its current one"


class TicketOfficeMismatch(InvalidValue):
    code = "ticket-office-mismatch"
    title = "The ticket belongs to another office"


class AttentionNotFound(NotFound):
    code = "attention-not-found"
    title = "No such attention record"


class DemunaConfidential(NotPermitted):
    code = "demuna-confidential"
    title = "DEMUNA records concern minors and need the attention:demuna scope"


class ReferralNotFound(NotFound):
    code = "referral-not-found"
    title = "No such referral"


class ReferralToSameOffice(InvalidValue):
    code = "referral-to-same-office"
    title = "A referral must go to another office"


class ReferralTransitionInvalid(InvalidTransition):
    code = "referral-transition-invalid"
    title = "The referral cannot move to this status from its current one"


class DeadlineInPast(InvalidValue):
    code = "deadline-in-past"
    title = "The deadline is before today"


class RequestNotFound(NotFound):
    code = "classification-request-not-found"
    title = "No such classification request"


class RequestStepInvalid(InvalidTransition):
    code = "classification-request-step-invalid"
    title = "The classification request is not at this step"


class DateInFuture(InvalidValue):
    code = "date-in-future"
    title = "The date is after today"


class DateOutOfOrder(InvalidValue):
    code = "date-out-of-order"
    title = "The date is before the step it follows"


class InvalidPeriod(InvalidValue):
    code = "invalid-period"
    title = "The period is not valid"
