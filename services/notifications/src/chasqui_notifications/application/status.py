"""The delivery status event: what leaves the service about a message (ids and status, no contact)."""

from __future__ import annotations

from datetime import UTC, datetime

from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus, DeliveryStatusChanged

from chasqui_notifications.adapters.repository import Delivery


def status_changed(
    delivery: Delivery,
    status: DeliveryStatus,
    *,
    reason: str | None = None,
    attempts: int | None = None,
    not_before: datetime | None = None,
    at: datetime | None = None,
) -> DeliveryStatusChanged:
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
        occurred_at=at or datetime.now(UTC),
    )
