"""Deliveries: which channels a notice goes to, with which status, what a provider's answer means,
and the status event that tells the platform (ids and status, no contact data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus, DeliveryStatusChanged

from chasqui_notifications.domain.consent import ContactCard

CHANNEL_ORDER = (DeliveryChannel.EMAIL, DeliveryChannel.SMS, DeliveryChannel.WHATSAPP)
SENDING = "sending"  # internal: claimed by a dispatcher, provider call in flight


@dataclass(frozen=True)
class Delivery:
    """One message to one person on one channel, caused by one event (unique on those three)."""

    delivery_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    person_id: str
    channel: DeliveryChannel
    template: str
    language: str
    needs_employment_contact: bool
    subject: str | None
    body_text: str
    body_html: str | None
    status: str
    reason: str | None
    attempts: int
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


def status_changed(
    delivery: Delivery,
    status: DeliveryStatus,
    *,
    at: datetime,
    reason: str | None = None,
    attempts: int | None = None,
    not_before: datetime | None = None,
) -> DeliveryStatusChanged:
    """The event published when `delivery` moves to `status` at `at`."""
    return DeliveryStatusChanged(
        delivery_id=str(delivery.delivery_id),
        person_id=delivery.person_id,
        channel=DeliveryChannel(delivery.channel),
        status=status,
        reason=reason,
        template=delivery.template,
        language=delivery.language,
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        attempts=delivery.attempts if attempts is None else attempts,
        not_before=not_before.astimezone(UTC) if not_before else None,
        occurred_at=at,
    )


@dataclass(frozen=True)
class ChannelPlan:
    channel: DeliveryChannel
    status: DeliveryStatus
    reason: str | None = None


def consent_refusal(
    card: ContactCard, channel: DeliveryChannel, *, needs_employment_contact: bool
) -> str | None:
    """Why a message may not go to this person on this channel now, or None if it may."""
    if not card.consent_for(channel).granted:
        return f"no consent for {channel.value}"
    if needs_employment_contact and not card.employment_contact:
        return "no consent to be contacted about vacancies"
    if card.address_for(channel) and not card.reaches(channel):
        return f"the phone on file is not a mobile number: {channel.value} cannot reach it"
    return None


def plan_channels(card: ContactCard, *, needs_employment_contact: bool = False) -> list[ChannelPlan]:
    """One plan per channel the person can be reached on: queued if consented, else suppressed.

    Channels without an address are left out: there is nothing to suppress. SMS and WhatsApp to a
    phone that is not a mobile number (a landline) are suppressed with that reason, never queued.
    """
    plans = []
    for channel in CHANNEL_ORDER:
        if not card.address_for(channel):
            continue
        refusal = consent_refusal(card, channel, needs_employment_contact=needs_employment_contact)
        if refusal is None:
            plans.append(ChannelPlan(channel, DeliveryStatus.QUEUED))
        else:
            plans.append(ChannelPlan(channel, DeliveryStatus.SUPPRESSED_CONSENT, refusal))
    return plans


class FailureKind(StrEnum):
    TRANSIENT = "transient"  # timeouts, 5xx, 429, SMTP 4xx: try again later
    PERMANENT = "permanent"  # HTTP 4xx, SMTP 5xx: the provider refused this message


@dataclass(frozen=True)
class RetrySchedule:
    """Bounded exponential backoff for provider failures: base * 2**(attempt-1), capped."""

    max_attempts: int = 5
    base_seconds: float = 5.0
    max_seconds: float = 600.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1)))

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
