"""Commands, queries and results of the DCI gateway's use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from chasqui_common.events.registry import Household

from chasqui_dci_gateway.domain.records import PersonRecord
from chasqui_dci_gateway.domain.subscriptions import RegistryChange


@dataclass(frozen=True)
class SignedMessage:
    """What every DCI request carries for its authentication, as received."""

    signature: str | None
    signed_content: bytes  # canonical {header}+{message} as received (domain.signatures)
    sender_id: str
    message_id: str
    message_ts: datetime
    action: str
    receiver_id: str | None
    sender_uri: str | None
    total_count: int
    is_msg_encrypted: bool
    token_subject: str
    gateway_id: str  # who this gateway is: the receiver_id a message must name, if any


@dataclass(frozen=True)
class IdTypeValueQuery:
    type: str
    value: Any


@dataclass(frozen=True)
class ExpressionQuery:
    type: str
    expression: Any


@dataclass(frozen=True)
class PredicateExpression:
    attribute_name: Any
    operator: Any
    attribute_value: Any


@dataclass(frozen=True)
class PredicateItem:
    seq_num: float | None
    expression1: PredicateExpression | None
    condition: str | None = None
    expression2: PredicateExpression | None = None


SearchQuery = IdTypeValueQuery | ExpressionQuery | tuple[PredicateItem, ...]


@dataclass(frozen=True)
class SearchItem:
    reference_id: str
    timestamp: datetime
    query_type: str
    query: SearchQuery
    sort: tuple[tuple[Any, Any], ...] = ()
    page_size: Any = None
    page_number: Any = None
    locale: str | None = None


@dataclass(frozen=True)
class SearchRegistry:
    """A search message: a batch of search requests, answered at once or by callback."""

    message: SignedMessage
    transaction_id: str
    items: tuple[SearchItem, ...]
    by_callback: bool = False


@dataclass(frozen=True)
class PageInfo:
    page_size: int
    page_number: int
    total_count: int


@dataclass(frozen=True)
class SearchItemResult:
    reference_id: str
    timestamp: datetime
    status: str  # succ | rjct
    reason_code: str | None = None
    reason_message: str | None = None
    records: tuple[PersonRecord, ...] = ()
    page: PageInfo | None = None
    locale: str | None = None


@dataclass(frozen=True)
class SearchOutcome:
    transaction_id: str
    correlation_id: str
    sender_id: str
    answered_at: datetime
    items: tuple[SearchItemResult, ...]


@dataclass(frozen=True)
class Acknowledgement:
    """ACK of an asynchronous request: its answer goes to the sender's callback."""

    correlation_id: str
    timestamp: datetime


@dataclass(frozen=True)
class CheckTransaction:
    message: SignedMessage
    transaction_id: str
    reference_id: str
    txn_type: str
    attribute_type: str
    attribute_value: str | tuple[str, ...]
    by_callback: bool = False


@dataclass(frozen=True)
class TransactionStatus:
    transaction_id: str
    correlation_id: str
    txn_type: str
    status: str
    response_json: str | None  # the SearchResponse message of that transaction, while kept


@dataclass(frozen=True)
class RegisterSender:
    sender_id: str
    name: str
    token_subject: str | None
    jwks: tuple[Any, ...]
    callback_uris: tuple[str, ...]
    entitled_fields: tuple[str, ...]
    max_page_size: int
    requests_per_minute: int = 600
    kafka_delivery: bool = False


@dataclass(frozen=True)
class GetSender:
    sender_id: str


@dataclass(frozen=True)
class SenderView:
    sender_id: str
    name: str
    token_subject: str | None
    key_ids: tuple[str, ...]
    callback_uris: tuple[str, ...]
    entitled_fields: tuple[str, ...]
    max_page_size: int
    active: bool
    requests_per_minute: int
    notify_topic: str | None = None  # its Kafka topic, if it takes callbacks as CloudEvents


@dataclass(frozen=True)
class MarkTopicReady:
    sender_id: str


@dataclass(frozen=True)
class ClaimCallbacks:
    limit: int = 20
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class RecordDelivery:
    callback_id: int
    error: str | None = None  # None: the receiver acknowledged it
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 300.0


@dataclass(frozen=True)
class RecordDeliveries:
    """The outcomes of one delivery round, recorded in one transaction."""

    outcomes: tuple[RecordDelivery, ...]
    not_tried: tuple[int, ...] = ()  # leased but not sent (their URI failed earlier in the round)


@dataclass(frozen=True)
class DeliveryRecorded:
    callback_id: int
    delivered: bool
    attempts: int
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class CallbackStats:
    pending: int
    failing: int
    delivered: int


@dataclass(frozen=True)
class PurgeExpired:
    keep_responses_hours: float = 24.0
    keep_message_ids_days: float = 30.0


@dataclass(frozen=True)
class Purged:
    responses: int
    message_ids: int


@dataclass(frozen=True)
class CountRequest:
    sender_id: str


@dataclass(frozen=True)
class RateDecision:
    """Whether a sender's request is within its requests per minute; if not, when to retry."""

    allowed: bool
    limit: int = 0
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class SubscribeItem:
    reference_id: str
    timestamp: datetime
    reg_type: str | None
    reg_event_type: Any
    filter_type: Any
    filter: Any
    notify_record_type: Any
    criteria: Any  # the subscribe_criteria as sent (echoed in on-subscribe)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    frequency: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Subscribe:
    """A subscribe message: subscriptions answered by an `on-subscribe` callback."""

    message: SignedMessage
    transaction_id: str
    items: tuple[SubscribeItem, ...]


@dataclass(frozen=True)
class Unsubscribe:
    """An unsubscribe message: subscriptions ended, answered by an `on-unsubscribe` callback."""

    message: SignedMessage
    transaction_id: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ApplyRegistryEvent:
    """A registry event: the household as it now is, what changed (and to whom, for a member
    added or removed), and the event's id and time."""

    household: Household
    change: RegistryChange | None  # None: nothing a subscriber is told of (data corrected)
    event_id: UUID
    event_time: datetime
    person_id: str | None = None


@dataclass(frozen=True)
class RegistryEventApplied:
    applied: bool
    notifications: int
