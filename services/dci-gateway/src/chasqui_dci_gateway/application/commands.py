"""Use cases of the DCI gateway: authenticate a DCI message, answer searches (at once or by
callback), report a transaction's status, register senders, and run the callback queue."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.auth.scope import Caller

from chasqui_dci_gateway.adapters import repository
from chasqui_dci_gateway.application.messages import (
    DciSearchResponse,
    DciTxnStatusBody,
    DciTxnStatusResponse,
    wire,
)
from chasqui_dci_gateway.application.models import (
    Acknowledgement,
    CheckTransaction,
    ClaimCallbacks,
    CountRequest,
    DeliveryRecorded,
    ExpressionQuery,
    IdTypeValueQuery,
    MarkTopicReady,
    PageInfo,
    Purged,
    PurgeExpired,
    RateDecision,
    RecordDeliveries,
    RecordDelivery,
    RegisterSender,
    SearchItem,
    SearchItemResult,
    SearchOutcome,
    SearchRegistry,
    SenderView,
    SignedMessage,
    TransactionStatus,
)
from chasqui_dci_gateway.domain.callbacks import retry_delay
from chasqui_dci_gateway.domain.errors import (
    ActionInvalid,
    DuplicateMessage,
    EncryptionUnsupported,
    MessageTimestampInvalid,
    ReceiverInvalid,
    SearchRejected,
    SenderMismatch,
    SenderRateLimited,
    SenderUnknown,
    SignatureInvalid,
    SignatureMissing,
    TotalCountInvalid,
    TransactionUnknown,
)
from chasqui_dci_gateway.domain.expressions import EXPRESSION_QUERY_TYPES, parse_expression
from chasqui_dci_gateway.domain.filters import (
    And,
    Condition,
    Filter,
    Operator,
    page,
    predicate_filter,
    sort_keys,
)
from chasqui_dci_gateway.domain.identifiers import CRITERIA_INVALID, LookupKind, resolve_identifier
from chasqui_dci_gateway.domain.records import entitled_view
from chasqui_dci_gateway.domain.senders import (
    Sender,
    check_callback_uri,
    check_fields,
    check_kafka_delivery,
    check_keys,
    check_page_size,
    check_rate,
    notify_topic,
)
from chasqui_dci_gateway.domain.signatures import parse_signature, verify

MAX_BATCH = 20
DEFAULT_PAGE_SIZE = 100
FUTURE_SKEW = timedelta(minutes=5)


async def authenticate(uow: UnitOfWork, message: SignedMessage, action: str) -> Sender:
    """The registered sender whose genuine, new message this is; otherwise the DCI refusal: an
    unknown sender, a token of someone else, a missing or bad signature, another receiver, an
    encrypted message, a wrong action, a timestamp in the future, or a message_id seen before."""
    if message.action != action:
        raise ActionInvalid(f"header.action {message.action!r} is not {action!r} on this endpoint")
    if message.is_msg_encrypted:
        raise EncryptionUnsupported(
            "this gateway accepts signed, unencrypted messages only (TLS protects them)"
        )
    sender = await repository.get_sender(uow.conn, message.sender_id)
    if sender is None or not sender.active:
        raise SenderUnknown(f"sender_id {message.sender_id!r} is not a registered DCI sender")
    if sender.token_subject is not None and message.token_subject != sender.token_subject:
        raise SenderMismatch(f"the bearer token's subject may not send messages as {message.sender_id!r}")
    if message.receiver_id is not None and message.receiver_id != message.gateway_id:
        raise ReceiverInvalid(
            f"receiver_id {message.receiver_id!r} is not this gateway ({message.gateway_id!r})"
        )
    if not message.signature:
        raise SignatureMissing("the message has no signature; every DCI message must be signed")
    parts = parse_signature(message.signature)
    if parts.sender_id != sender.sender_id:
        raise SignatureInvalid(
            f"the signature's kidId names sender {parts.sender_id!r}, not {sender.sender_id!r}"
        )
    public_key = sender.key(parts.key_id)
    if public_key is None:
        raise SignatureInvalid(f"sender {sender.sender_id!r} has no registered key {parts.key_id!r}")
    now = uow.clock.now()
    verify(parts, message.signed_content, public_key, now=int(now.timestamp()))
    if message.message_ts > now + FUTURE_SKEW:
        raise MessageTimestampInvalid(f"message_ts {message.message_ts.isoformat()} is in the future")
    if not await repository.remember_message(uow.conn, sender.sender_id, message.message_id, action, now):
        raise DuplicateMessage(
            f"message_id {message.message_id!r} of sender {sender.sender_id!r} was received before"
        )
    return sender


def check_batch(message: SignedMessage, count: int) -> None:
    if count > MAX_BATCH:
        raise TotalCountInvalid(f"a message holds at most {MAX_BATCH} requests, this one {count}")
    if message.total_count != count:
        raise TotalCountInvalid(
            f"header.total_count is {message.total_count}, the message holds {count} request(s)"
        )


def search_filter(item: SearchItem, entitled: frozenset[str]) -> Filter:
    """The filter of one search request; SearchRejected with the standard's reason code."""
    query = item.query
    if item.query_type == "idtype-value" and isinstance(query, IdTypeValueQuery):
        lookup = resolve_identifier(query.type, query.value)
        if lookup.kind is LookupKind.DOCUMENT:
            assert lookup.document_type is not None
            return And(
                (
                    Condition("identifier_type", Operator.EQ, lookup.document_type.value),
                    Condition("identifier_value", Operator.EQ, lookup.value),
                )
            )
        attribute = "phone_number" if lookup.kind is LookupKind.MOBILE else "household_identifier"
        return Condition(attribute, Operator.EQ, lookup.value)
    if item.query_type == "expression" and isinstance(query, ExpressionQuery):
        if query.type not in EXPRESSION_QUERY_TYPES:
            raise SearchRejected(
                CRITERIA_INVALID,
                f"query.type {query.type!r} is not an expression language of this gateway; expected "
                + " or ".join(EXPRESSION_QUERY_TYPES),
                field="query.type",
                value=query.type,
            )
        return parse_expression(query.expression, entitled)
    if item.query_type == "predicate" and isinstance(query, tuple):
        return predicate_filter(query, entitled)
    raise SearchRejected(
        CRITERIA_INVALID,
        f"query does not have the form of query_type {item.query_type!r}",
        field="query",
    )


async def _answer(uow: UnitOfWork, sender: Sender, item: SearchItem) -> SearchItemResult:
    now = uow.clock.now()
    try:
        where = search_filter(item, sender.entitled_fields)
        order = sort_keys(item.sort, sender.entitled_fields)
        wanted = page(
            item.page_size,
            item.page_number,
            default_size=min(DEFAULT_PAGE_SIZE, sender.max_page_size),
            max_size=sender.max_page_size,
        )
    except SearchRejected as rejected:
        return SearchItemResult(
            item.reference_id, now, "rjct", rejected.reason_code, rejected.detail, locale=item.locale
        )
    total, records = await repository.search_persons(uow.conn, where, order, wanted, uow.clock.today())
    return SearchItemResult(
        item.reference_id,
        now,
        "succ",
        records=tuple(entitled_view(r, sender.entitled_fields) for r in records),
        page=PageInfo(wanted.size, wanted.number, total),
        locale=item.locale,
    )


async def _search(uow: UnitOfWork, command: SearchRegistry, sender: Sender) -> SearchOutcome:
    now = uow.clock.now()
    correlation_id = str(uuid.uuid4())
    results = []
    for item in command.items:
        result = await _answer(uow, sender, item)
        results.append(result)
        await repository.log_access(
            uow.conn,
            sender_id=sender.sender_id,
            message_id=command.message.message_id,
            action=command.message.action,
            reference_id=item.reference_id,
            query_type=item.query_type,
            status=result.status,
            person_ids=[r.person_id for r in result.records],
            fields=sorted(sender.entitled_fields),
            at=now,
        )
        # The platform's access record too (docs/privacy.md): the sender is the client, the
        # documents of the people answered are keyed hashes; in this transaction like the log above.
        person_ids = [r.person_id for r in result.records]
        await record_access(
            uow,
            Caller(
                subject=sender.sender_id, client_id=sender.sender_id, purpose=f"DCI {command.message.action}"
            ),
            Access(
                operation="dci-gateway.registry.search",
                resource_type="person",
                resource_ids=person_ids,
                documents=await repository.documents_of(uow.conn, person_ids),
                outcome=OK if person_ids else NONE_FOUND,
            ),
        )
    outcome = SearchOutcome(command.transaction_id, correlation_id, sender.sender_id, now, tuple(results))
    await repository.save_transaction(
        uow.conn,
        correlation_id=correlation_id,
        sender_id=sender.sender_id,
        transaction_id=command.transaction_id,
        action="search",
        status="succ",
        reference_ids=[i.reference_id for i in command.items],
        response_json=json.dumps(wire(DciSearchResponse.of(outcome)), ensure_ascii=False),
        at=now,
    )
    return outcome


async def search_registry(uow: UnitOfWork, command: SearchRegistry) -> SearchOutcome:
    """Answer a search message at once (POST /registry/sync/search)."""
    sender = await authenticate(uow, command.message, "search")
    check_batch(command.message, len(command.items))
    return await _search(uow, command, sender)


async def accept_search(uow: UnitOfWork, command: SearchRegistry) -> Acknowledgement:
    """Acknowledge a search message and queue its answer for the sender's callback
    (POST /registry/search, answered by `on-search`); the answer commits with the ACK."""
    sender = await authenticate(uow, command.message, "search")
    uri = sender.callback_for(command.message.sender_uri)
    check_batch(command.message, len(command.items))
    outcome = await _search(uow, command, sender)
    await repository.enqueue_callback(
        uow.conn,
        message_id=uuid.uuid4(),
        sender_id=sender.sender_id,
        uri=uri,
        action="on-search",
        correlation_id=outcome.correlation_id,
        message_json=json.dumps(wire(DciSearchResponse.of(outcome)), ensure_ascii=False),
        at=uow.clock.now(),
    )
    return Acknowledgement(outcome.correlation_id, uow.clock.now())


async def _transaction_status(
    uow: UnitOfWork, command: CheckTransaction, sender: Sender
) -> TransactionStatus:
    found = await repository.find_transaction(
        uow.conn, sender.sender_id, command.attribute_type, command.attribute_value
    )
    if found is None or found.action != command.txn_type:
        raise TransactionUnknown(
            f"sender {sender.sender_id!r} has no {command.txn_type} transaction with "
            f"{command.attribute_type} {command.attribute_value!r} (answers are kept for a limited time)"
        )
    return TransactionStatus(
        found.transaction_id, found.correlation_id, found.action, found.status, found.response_json
    )


async def check_transaction(uow: UnitOfWork, command: CheckTransaction) -> TransactionStatus:
    """The status (and kept answer) of an earlier transaction (POST /registry/sync/txn/status)."""
    sender = await authenticate(uow, command.message, "txn-status")
    check_batch(command.message, 1)
    return await _transaction_status(uow, command, sender)


async def accept_transaction_check(uow: UnitOfWork, command: CheckTransaction) -> Acknowledgement:
    """Acknowledge a status request and queue its `txn/on-status` callback (POST /registry/txn/status)."""
    sender = await authenticate(uow, command.message, "txn-status")
    uri = sender.callback_for(command.message.sender_uri)
    check_batch(command.message, 1)
    status = await _transaction_status(uow, command, sender)
    correlation_id = str(uuid.uuid4())
    if status.response_json is None:
        raise TransactionUnknown(f"the answer of transaction {status.transaction_id!r} is no longer kept")
    body = DciTxnStatusResponse(
        transaction_id=command.transaction_id,
        correlation_id=correlation_id,
        txnstatus_response=DciTxnStatusBody(
            txn_type="search", txn_status=DciSearchResponse.model_validate_json(status.response_json)
        ),
    )
    await repository.enqueue_callback(
        uow.conn,
        message_id=uuid.uuid4(),
        sender_id=sender.sender_id,
        uri=uri,
        action="txn-on-status",
        correlation_id=correlation_id,
        message_json=json.dumps(wire(body), ensure_ascii=False),
        at=uow.clock.now(),
    )
    return Acknowledgement(correlation_id, uow.clock.now())


# -- senders --------------------------------------------------------------------------------------


def sender_view(sender: Sender) -> SenderView:
    return SenderView(
        sender.sender_id,
        sender.name,
        sender.token_subject,
        tuple(k.key_id for k in sender.keys),
        sender.callback_uris,
        tuple(sorted(sender.entitled_fields)),
        sender.max_page_size,
        sender.active,
        sender.requests_per_minute,
        notify_topic(sender.sender_id) if sender.kafka_delivery else None,
    )


async def register_sender(uow: UnitOfWork, command: RegisterSender) -> SenderView:
    """Create or replace a DCI sender: its keys (JWKS), callback URIs, entitled fields, page limit,
    and whether it takes callbacks as CloudEvents on its own Kafka topic (created soon after by
    the `provision_notify_topics` task, and made sure of again before anything is published)."""
    sender = Sender(
        sender_id=command.sender_id,
        name=command.name,
        token_subject=command.token_subject,
        callback_uris=tuple(
            check_callback_uri(uri, f"callback_uris[{i}]") for i, uri in enumerate(command.callback_uris)
        ),
        entitled_fields=check_fields(command.entitled_fields),
        max_page_size=check_page_size(command.max_page_size),
        keys=check_keys(command.jwks),
        requests_per_minute=check_rate(command.requests_per_minute),
        kafka_delivery=check_kafka_delivery(command.sender_id, command.kafka_delivery),
    )
    await repository.save_sender(uow.conn, sender, uow.clock.now())
    return sender_view(sender)


async def mark_topic_ready(uow: UnitOfWork, command: MarkTopicReady) -> None:
    """The sender's Kafka topic exists: recorded so it is not made sure of again."""
    await repository.mark_topic_ready(uow.conn, command.sender_id, uow.clock.now())


# -- callback queue and retention -----------------------------------------------------------------


async def claim_callbacks(uow: UnitOfWork, command: ClaimCallbacks) -> list[repository.QueuedCallback]:
    """Lease the callbacks due now, oldest first, for one delivery round."""
    return await repository.claim_callbacks(
        uow.conn, uow.clock.now(), timedelta(seconds=command.lease_seconds), command.limit
    )


async def record_delivery(uow: UnitOfWork, command: RecordDelivery) -> DeliveryRecorded:
    """A callback was acknowledged (done) or failed (tried again after a growing delay, never dropped)."""
    now = uow.clock.now()
    if command.error is None:
        attempts = await repository.mark_delivered(uow.conn, command.callback_id, now)
        return DeliveryRecorded(command.callback_id, True, attempts)
    attempts = await repository.callback_attempts(uow.conn, command.callback_id) + 1
    delay = retry_delay(attempts, base=command.retry_base_seconds, cap=command.retry_max_seconds)
    next_attempt = now + timedelta(seconds=delay)
    await repository.mark_failed(uow.conn, command.callback_id, command.error, next_attempt)
    return DeliveryRecorded(command.callback_id, False, attempts, next_attempt)


async def record_deliveries(uow: UnitOfWork, command: RecordDeliveries) -> tuple[DeliveryRecorded, ...]:
    """A round's outcomes at once: the acknowledged ones marked delivered in one statement, each
    failed one scheduled again as `record_delivery` does, the ones not tried released."""
    now = uow.clock.now()
    delivered = [o.callback_id for o in command.outcomes if o.error is None]
    if delivered:
        await repository.mark_all_delivered(uow.conn, delivered, now)
    if command.not_tried:
        await repository.release_callbacks(uow.conn, command.not_tried)
    failed = [await record_delivery(uow, o) for o in command.outcomes if o.error is not None]
    return tuple(DeliveryRecorded(i, True, 0) for i in delivered) + tuple(failed)


async def purge_expired(uow: UnitOfWork, command: PurgeExpired) -> Purged:
    """Forget kept answers (personal data) and remembered message ids past their retention."""
    now = uow.clock.now()
    responses, messages = await repository.purge(
        uow.conn,
        now - timedelta(hours=command.keep_responses_hours),
        now - timedelta(days=command.keep_message_ids_days),
    )
    return Purged(responses, messages)


# -- rate limits ----------------------------------------------------------------------------------


async def count_request(uow: UnitOfWork, command: CountRequest) -> RateDecision:
    """Count a request of a registered sender in the current minute (fixed window, shared by every
    replica through the database); SenderRateLimited (429, Retry-After) beyond its
    `requests_per_minute` (a refused request rolls back, so it does not count). An unknown sender
    is not counted: authentication refuses it."""
    sender = await repository.get_sender(uow.conn, command.sender_id)
    if sender is None:
        return RateDecision(True)
    now = uow.clock.now()
    window = now.replace(second=0, microsecond=0)
    count = await repository.count_request(uow.conn, sender.sender_id, window)
    if count <= sender.requests_per_minute:
        return RateDecision(True, sender.requests_per_minute)
    retry = max(1, int((window + timedelta(minutes=1) - now).total_seconds() + 0.999))
    raise SenderRateLimited(
        f"sender {sender.sender_id!r} may make {sender.requests_per_minute} DCI requests per minute; "
        f"retry in {retry} s",
        retry_after_seconds=retry,
        limit=sender.requests_per_minute,
        period_seconds=60,
    )
