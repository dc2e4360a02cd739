"""Subscriptions to registry events (`subscribe` / `unsubscribe` / `notify`): which registry events
a subscriber may ask for, how they map to the standard's `reg_event_type`, and when a
subscription applies. Pure rules: no I/O, no clock.

The standard's `reg_event_type` enum is `REGISTER`, `PAYMENT`, `DEREGISTER`. Chasqui's registry
events map to it as a person entering or leaving the registry; a new socioeconomic
classification has no standard name and is Chasqui's extension `ns:chasqui:RegistryEventType:CLASSIFY`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

REGISTER = "REGISTER"
DEREGISTER = "DEREGISTER"
CLASSIFY = "ns:chasqui:RegistryEventType:CLASSIFY"
EVENT_TYPES = (REGISTER, DEREGISTER, CLASSIFY)
REG_TYPE = "ns:chasqui:RegistryType:SocialRegistry"
RECORD_TYPES = frozenset({"Person", "spdci-extensions-dci:Person", "ns:chasqui:RegistryRecordType:Person"})
MAX_SUBSCRIPTIONS_PER_MESSAGE = 20

# SubscribeStatusReasonCode / UnSubscribeStatusReasonCode of the standard
NOTIFY_TYPES_INVALID = "rjct.notify_types.invalid"
NOTIFY_DETAILS_INVALID = "rjct.notify_details.invalid"
SUBSCRIPTION_CODE_INVALID = "rjct.subscription_code.invalid"
REQUESTER_INVALID = "rjct.requester.invalid"
ALREADY_UNSUBSCRIBED = "rjct.event.already_unsubscribed"

NOTIFY_NAMESPACE = uuid.UUID("6f1c1f5e-3b1a-5d0e-9a3c-64dc1f0d2c11")


class RegistryChange(StrEnum):
    """What a registry event did, as far as subscribers care."""

    REGISTERED = "household_registered"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    CLASSIFIED = "household_classified"
    DEREGISTERED = "household_deregistered"


EVENT_TYPE_OF: dict[RegistryChange, str] = {
    RegistryChange.REGISTERED: REGISTER,
    RegistryChange.MEMBER_ADDED: REGISTER,
    RegistryChange.MEMBER_REMOVED: DEREGISTER,
    RegistryChange.DEREGISTERED: DEREGISTER,
    RegistryChange.CLASSIFIED: CLASSIFY,
}


@dataclass(frozen=True)
class Subscription:
    subscription_code: str
    sender_id: str
    reference_id: str
    reg_event_type: str
    filter_type: str
    filter: Any  # the standard's query, as the subscriber sent it
    notify_record_type: str
    uri: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    frequency: str | None = None
    locale: str | None = None
    status: str = "subscribe"

    def covers(self, at: datetime) -> bool:
        """Whether an event at `at` falls in the subscription's window (start_time..end_time)."""
        return (self.starts_at is None or at >= self.starts_at) and (
            self.ends_at is None or at <= self.ends_at
        )


@dataclass(frozen=True)
class Refusal:
    """A subscribe or unsubscribe request item that cannot be honoured, with the standard's code."""

    reason_code: str
    message: str


def check_event_type(value: Any) -> Refusal | None:
    if value in EVENT_TYPES:
        return None
    return Refusal(
        NOTIFY_TYPES_INVALID,
        f"subscribe_criteria.reg_event_type {value!r} is not a registry event of this gateway; expected "
        + ", ".join(EVENT_TYPES),
    )


def check_record_type(value: Any) -> Refusal | None:
    if value in RECORD_TYPES:
        return None
    return Refusal(
        NOTIFY_DETAILS_INVALID,
        f"subscribe_criteria.notify_record_type {value!r} is not served; expected one of "
        + ", ".join(sorted(RECORD_TYPES)),
    )


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> Refusal | None:
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        return Refusal(NOTIFY_DETAILS_INVALID, "subscribe_criteria.frequency.end_time is before start_time")
    return None


def notification_id(subscription_code: str, event_id: uuid.UUID | str) -> uuid.UUID:
    """The message_id of the notification of one registry event to one subscription: the same
    however often the event is seen, so the queue holds it once and the receiver can deduplicate."""
    return uuid.uuid5(NOTIFY_NAMESPACE, f"{subscription_code}|{event_id}")


def unsubscribable(subscription: Subscription | None, sender_id: str, code: str) -> Refusal | None:
    """Why `sender_id` may not end subscription `code`, or None."""
    if subscription is None:
        return Refusal(SUBSCRIPTION_CODE_INVALID, f"no subscription {code!r}")
    if subscription.sender_id != sender_id:
        return Refusal(REQUESTER_INVALID, f"subscription {code!r} is not one of sender {sender_id!r}")
    if subscription.status != "subscribe":
        return Refusal(ALREADY_UNSUBSCRIBED, f"subscription {code!r} was already ended")
    return None
