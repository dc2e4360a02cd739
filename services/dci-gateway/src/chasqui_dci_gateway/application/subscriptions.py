"""Subscriptions: `subscribe` and `unsubscribe` (acknowledged, answered by `on-subscribe` /
`on-unsubscribe` callbacks) and the `notify` callbacks of registry events, queued in the same
transaction as the projection takes the event (so a notification is never lost nor made twice:
the inbox applies each event once and its message_id is derived from event and subscription)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from chasqui_common.application.unit_of_work import UnitOfWork

from chasqui_dci_gateway.adapters import repository
from chasqui_dci_gateway.application.commands import authenticate, check_batch, search_filter
from chasqui_dci_gateway.application.messages import (
    DciNotifyData,
    DciNotifyEvent,
    DciNotifyMessage,
    DciPerson,
    DciSubscribeResponse,
    DciSubscribeResponseItem,
    DciSubscription,
    DciSubscriptionStatus,
    DciUnsubscribeResponse,
    wire,
)
from chasqui_dci_gateway.application.models import (
    Acknowledgement,
    ApplyRegistryEvent,
    ExpressionQuery,
    IdTypeValueQuery,
    PredicateExpression,
    PredicateItem,
    RegistryEventApplied,
    SearchItem,
    SearchQuery,
    Subscribe,
    SubscribeItem,
    Unsubscribe,
)
from chasqui_dci_gateway.domain.errors import SearchRejected
from chasqui_dci_gateway.domain.filters import Filter, Page
from chasqui_dci_gateway.domain.records import PersonRecord, entitled_view
from chasqui_dci_gateway.domain.senders import Sender
from chasqui_dci_gateway.domain.subscriptions import (
    EVENT_TYPE_OF,
    NOTIFY_DETAILS_INVALID,
    REG_TYPE,
    Refusal,
    RegistryChange,
    Subscription,
    check_event_type,
    check_record_type,
    check_window,
    notification_id,
    unsubscribable,
)

NOTIFY_PAGE = Page(size=10_000, number=1)  # a household has far fewer members
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def query_of(filter_type: Any, raw: Any) -> SearchQuery:
    """The standard's `query` (a subscription's `filter`) as the search use cases take it."""
    if isinstance(raw, list):
        return tuple(
            PredicateItem(
                item.get("seq_num") if isinstance(item, dict) else None,
                _expression(item.get("expression1")) if isinstance(item, dict) else None,
                item.get("condition") if isinstance(item, dict) else None,
                _expression(item.get("expression2")) if isinstance(item, dict) else None,
            )
            for item in raw
        )
    if isinstance(raw, dict):
        value = raw.get("value")
        if filter_type == "expression" and isinstance(value, dict):
            return ExpressionQuery(str(raw.get("type")), value.get("expression"))
        return IdTypeValueQuery(str(raw.get("type")), value)
    return IdTypeValueQuery("", raw)


def _expression(raw: Any) -> PredicateExpression | None:
    if not isinstance(raw, dict):
        return None
    return PredicateExpression(raw.get("attribute_name"), raw.get("operator"), raw.get("attribute_value"))


def subscription_filter(subscription: Subscription | SubscribeItem, sender: Sender) -> Filter:
    """The filter of a subscription, checked as a search's would be (SearchRejected otherwise)."""
    item = SearchItem(
        reference_id=subscription.reference_id,
        timestamp=subscription.timestamp
        if isinstance(subscription, SubscribeItem)
        else (subscription.starts_at or _EPOCH),
        query_type=str(subscription.filter_type),
        query=query_of(subscription.filter_type, subscription.filter),
    )
    return search_filter(item, sender.entitled_fields)


def _refusal(item: SubscribeItem, sender: Sender) -> Refusal | None:
    refusal = (
        check_event_type(item.reg_event_type)
        or check_record_type(item.notify_record_type)
        or check_window(item.starts_at, item.ends_at)
    )
    if refusal is not None:
        return refusal
    try:
        subscription_filter(item, sender)
    except SearchRejected as rejected:
        return Refusal(NOTIFY_DETAILS_INVALID, f"subscribe_criteria.filter: {rejected.detail}")
    return None


async def accept_subscription(uow: UnitOfWork, command: Subscribe) -> Acknowledgement:
    """Acknowledge a subscribe message; each request becomes a subscription (or is refused with
    the standard's reason code) and the `on-subscribe` answer is queued for the sender's callback
    URI, where its notifications will go too."""
    sender = await authenticate(uow, command.message, "subscribe")
    uri = sender.callback_for(command.message.sender_uri)
    check_batch(command.message, len(command.items))
    now = uow.clock.now()
    answers: list[DciSubscribeResponseItem] = []
    for item in command.items:
        refusal = _refusal(item, sender)
        if refusal is not None:
            answers.append(
                DciSubscribeResponseItem(
                    reference_id=item.reference_id,
                    timestamp=now,
                    status="rjct",
                    status_reason_code=refusal.reason_code,
                    status_reason_message=refusal.message[:999],
                    locale=item.locale,
                )
            )
            continue
        subscription = Subscription(
            subscription_code=f"SUB-{uuid.uuid4().hex[:20].upper()}",
            sender_id=sender.sender_id,
            reference_id=item.reference_id,
            reg_event_type=str(item.reg_event_type),
            filter_type=str(item.filter_type),
            filter=item.filter,
            notify_record_type=str(item.notify_record_type),
            uri=uri,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            frequency=item.frequency,
            locale=item.locale,
        )
        await repository.save_subscription(uow.conn, subscription, command.transaction_id, now)
        answers.append(
            DciSubscribeResponseItem(
                reference_id=item.reference_id,
                timestamp=now,
                status="succ",
                subscriptions=[
                    DciSubscription(
                        code=subscription.subscription_code,
                        subscription_code=subscription.subscription_code,
                        status="subscribe",
                        timestamp=now,
                        reg_type=item.reg_type or REG_TYPE,
                        reg_event_type=subscription.reg_event_type,
                        filter_type=subscription.filter_type,
                        filter=subscription.filter,
                        notify_record_type=subscription.notify_record_type,
                        subscribe_criteria=item.criteria if isinstance(item.criteria, dict) else {},
                        locale=item.locale,
                    )
                ],
                locale=item.locale,
            )
        )
    correlation_id = str(uuid.uuid4())
    body = DciSubscribeResponse(
        transaction_id=command.transaction_id, correlation_id=correlation_id, subscribe_response=answers
    )
    await _enqueue(uow, sender, uri, "on-subscribe", correlation_id, body, uuid.uuid4())
    return Acknowledgement(correlation_id, now)


async def accept_unsubscription(uow: UnitOfWork, command: Unsubscribe) -> Acknowledgement:
    """Acknowledge an unsubscribe message; the sender's subscriptions named are ended (no further
    notification is queued for them) and the `on-unsubscribe` answer is queued."""
    sender = await authenticate(uow, command.message, "unsubscribe")
    uri = sender.callback_for(command.message.sender_uri)
    check_batch(command.message, 1)
    now = uow.clock.now()
    statuses: list[DciSubscriptionStatus] = []
    first: Refusal | None = None
    for code in command.codes:
        found = await repository.get_subscription(uow.conn, code)
        refusal = unsubscribable(found, sender.sender_id, code)
        if refusal is None:
            await repository.end_subscription(uow.conn, code, now)
            statuses.append(DciSubscriptionStatus(code=code, status="unsubscribe"))
        else:
            first = first or refusal
            if found is not None and found.sender_id == sender.sender_id:
                statuses.append(DciSubscriptionStatus(code=code, status="unsubscribe"))
    correlation_id = str(uuid.uuid4())
    body = DciUnsubscribeResponse(
        transaction_id=command.transaction_id,
        correlation_id=correlation_id,
        timestamp=now,
        status="succ" if first is None else "rjct",
        status_reason_code=None if first is None else first.reason_code,
        status_reason_message=None if first is None else first.message[:999],
        subscription_status=statuses,
    )
    await _enqueue(uow, sender, uri, "on-unsubscribe", correlation_id, body, uuid.uuid4())
    return Acknowledgement(correlation_id, now)


async def _enqueue(
    uow: UnitOfWork,
    sender: Sender,
    uri: str,
    action: str,
    correlation_id: str | None,
    body: Any,
    message_id: uuid.UUID,
) -> None:
    await repository.enqueue_callback(
        uow.conn,
        message_id=message_id,
        sender_id=sender.sender_id,
        uri=uri,
        action=action,
        correlation_id=correlation_id,
        message_json=json.dumps(wire(body), ensure_ascii=False),
        at=uow.clock.now(),
    )


# -- notify ---------------------------------------------------------------------------------------


async def _selected(
    uow: UnitOfWork, subscription: Subscription, sender: Sender, household_id: str, person_ids: list[str]
) -> list[PersonRecord]:
    try:
        where = subscription_filter(subscription, sender)
    except SearchRejected:  # the sender lost the entitlement its filter needs: nothing is sent
        return []
    _, records = await repository.search_persons(
        uow.conn, where, (), NOTIFY_PAGE, uow.clock.today(), within=(household_id, person_ids)
    )
    return records


async def apply_registry_event(uow: UnitOfWork, command: ApplyRegistryEvent) -> RegistryEventApplied:
    """Take a registry event into the projection and queue a `notify` for every subscription to
    its event type whose filter selects a person it concerns: the persons added or registered
    (after the change), or the person removed (before it). An event older than the projection
    changes nothing and notifies nobody."""
    household = command.household
    subscriptions = (
        [
            s
            for s in await repository.active_subscriptions(uow.conn, EVENT_TYPE_OF[command.change])
            if s.covers(command.event_time)
        ]
        if command.change is not None
        else []
    )
    senders = (
        await repository.get_senders(uow.conn, sorted({s.sender_id for s in subscriptions}))
        if subscriptions
        else {}
    )
    removed = command.change is RegistryChange.MEMBER_REMOVED
    concerned = (
        [command.person_id] if command.person_id is not None else [m.person_id for m in household.members]
    )
    selected: dict[str, list[PersonRecord]] = {}
    if removed:  # the person is in the projection until the snapshot is taken
        for subscription in subscriptions:
            if subscription.sender_id in senders:
                selected[subscription.subscription_code] = await _selected(
                    uow, subscription, senders[subscription.sender_id], household.household_id, concerned
                )
    applied = await repository.apply_snapshot(uow.conn, household, command.event_id, command.event_time)
    if not applied:
        return RegistryEventApplied(False, 0)
    count = 0
    for subscription in subscriptions:
        sender = senders.get(subscription.sender_id)
        if sender is None:
            continue
        records = (
            selected.get(subscription.subscription_code, [])
            if removed
            else await _selected(uow, subscription, sender, household.household_id, concerned)
        )
        if not records:
            continue
        count += await _notify(uow, command, subscription, sender, records)
    return RegistryEventApplied(True, count)


async def _notify(
    uow: UnitOfWork,
    command: ApplyRegistryEvent,
    subscription: Subscription,
    sender: Sender,
    records: list[PersonRecord],
) -> int:
    views = [entitled_view(r, sender.entitled_fields) for r in records]
    body = DciNotifyMessage(
        transaction_id=command.event_id.hex,
        notify_event=[
            DciNotifyEvent(
                reference_id=subscription.subscription_code,
                timestamp=command.event_time,
                data=DciNotifyData(
                    reg_type=REG_TYPE,
                    reg_event_type=subscription.reg_event_type,
                    reg_record_type=subscription.notify_record_type,
                    reg_records=DciPerson.of(view),
                ),
                locale=subscription.locale,
            )
            for view in views
        ],
    )
    message_id = notification_id(subscription.subscription_code, command.event_id)
    await _enqueue(uow, sender, subscription.uri, "notify", None, body, message_id)
    await repository.log_access(
        uow.conn,
        sender_id=sender.sender_id,
        message_id=str(message_id),
        action="notify",
        reference_id=subscription.subscription_code,
        query_type=subscription.filter_type,
        status="succ",
        person_ids=[r.person_id for r in records],
        fields=sorted(sender.entitled_fields),
        at=uow.clock.now(),
    )
    return 1
