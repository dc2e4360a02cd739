"""Notifications events (topic notifications.deliveries, key = person id): delivery status per channel.

The topic is not personal data: a status event carries ids, the channel, the status and its
reason, the template and the event that caused the message, never a phone number, an e-mail
address, a name or the text that was sent.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import NOTIFICATIONS_DELIVERIES
from chasqui_common.values import IsoDateTime, MultilineText, Text

__all__ = ["DeliveryChannel", "DeliveryStatus", "DeliveryStatusChanged"]


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class DeliveryStatus(StrEnum):
    """Where one message (event, person, channel) stands; `sent` and `failed` are final."""

    QUEUED = "queued"
    DEFERRED_QUIET_HOURS = "deferred_quiet_hours"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED_CONSENT = "suppressed_consent"


@event(
    "pe.chasqui.notifications.delivery.status_changed.v1",
    topic=NOTIFICATIONS_DELIVERIES,
    subject="person_id",
)
class DeliveryStatusChanged(EventPayload):
    """A citizen notification on one channel reached a new status (queued, deferred, sent, failed...).

    `event_id` and `event_type` name the event that caused the message; together with
    `person_id` and `channel` they identify the message, which is delivered at most once.
    """

    delivery_id: Text
    person_id: Text
    channel: DeliveryChannel
    status: DeliveryStatus
    reason: MultilineText | None = Field(
        default=None, description="Why: the provider's answer on failure, the consent or quiet-hours rule"
    )
    template: Text = Field(description="Template key, e.g. migrants.appointment_scheduled")
    language: Text = "es"
    event_id: Text
    event_type: Text
    attempts: int = 0
    not_before: IsoDateTime | None = Field(
        default=None, description="For deferred messages: when they will be sent (UTC)"
    )
    occurred_at: IsoDateTime
