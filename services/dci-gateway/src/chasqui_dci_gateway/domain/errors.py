"""The gateway's refusals. A refused envelope is a `DciError`: HTTP 403 (the standard documents its
HttpErrorResponse for 401, 403 and 500 only; 401 stays the bearer token's) with the standard's
code in `errors[].code`. A search criterion the gateway cannot answer is a `SearchRejected`,
answered inside the search response with a DCI status reason code."""

from __future__ import annotations

from typing import Any, ClassVar

from chasqui_common.errors import DomainError, InvalidValue, NotFound, NotPermitted, RateLimited


class DciError(DomainError):
    """A refusal the DCI standard names: `dci_code` (e.g. `err.signature.invalid`) goes to the
    problem document as `errors: [{code, message}]`, the shape of the standard's HttpErrorResponse."""

    dci_code: ClassVar[str] = "err.request.bad"

    def extensions(self) -> dict[str, Any]:
        return {"errors": [{"code": self.dci_code, "message": self.detail[:999]}]}


class SenderRateLimited(DciError, RateLimited):
    """The sender made more requests this minute than its `requests_per_minute` (429, Retry-After);
    the standard names no code for it, so `err.rate_limit.exceeded` has the standard's form."""

    code = "dci-rate-limited"
    title = "Too many requests from this DCI sender"
    dci_code = "err.rate_limit.exceeded"

    def extensions(self) -> dict[str, Any]:
        return {**RateLimited.extensions(self), **DciError.extensions(self)}


class SenderUnknown(DciError, NotPermitted):
    code = "dci-sender-unknown"
    title = "The DCI sender is not registered"
    dci_code = "err.sender_id.invalid"


class SignatureMissing(DciError, NotPermitted):
    code = "dci-signature-missing"
    title = "The DCI message is not signed"
    dci_code = "err.signature.missing"


class SignatureInvalid(DciError, NotPermitted):
    code = "dci-signature-invalid"
    title = "The DCI message signature does not verify"
    dci_code = "err.signature.invalid"


class SenderUriInvalid(DciError, NotPermitted):
    code = "dci-sender-uri-invalid"
    title = "The callback URI is not registered for this sender"
    dci_code = "err.sender_uri.invalid"


class ReceiverInvalid(DciError, NotPermitted):
    code = "dci-receiver-invalid"
    title = "The message is addressed to another receiver"
    dci_code = "err.receiver_id.invalid"


class SenderMismatch(DciError, NotPermitted):
    code = "dci-sender-not-token-subject"
    title = "The bearer token was not issued to the message's sender"
    dci_code = "err.request.forbidden"


class EncryptionUnsupported(DciError, NotPermitted):
    code = "dci-encryption-unsupported"
    title = "Encrypted DCI messages are not accepted"
    dci_code = "err.encryption.invalid"


class ActionInvalid(DciError, NotPermitted):
    code = "dci-action-invalid"
    title = "The header action does not match the endpoint"
    dci_code = "rjct.action.invalid"


class MessageTimestampInvalid(DciError, NotPermitted):
    code = "dci-message-ts-invalid"
    title = "The message timestamp is outside the accepted window"
    dci_code = "rjct.message_ts.invalid"


class TotalCountInvalid(DciError, NotPermitted):
    code = "dci-total-count-invalid"
    title = "The header total_count does not match the message or exceeds the limit"
    dci_code = "rjct.total_count.invalid"


class DuplicateMessage(DciError, NotPermitted):
    code = "dci-message-id-duplicate"
    title = "This message_id was received before"
    dci_code = "rjct.message_id.duplicate"


class TransactionUnknown(DciError, NotFound):
    code = "dci-transaction-unknown"
    title = "No such transaction of this sender"
    dci_code = "err.request.not_found"


class SearchRejected(InvalidValue):
    """One search request of a batch cannot be answered; `reason_code` is the standard's
    SearchStatusReasonCode (rjct.search_criteria.invalid, rjct.filter.invalid, rjct.sort.invalid,
    rjct.pagination.invalid, rjct.search.too_many_records_found)."""

    code = "dci-search-rejected"
    title = "The search criteria cannot be answered"

    def __init__(self, reason_code: str, detail: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(detail, field=field, value=value, expected=detail if field else None)
        self.reason_code = reason_code
