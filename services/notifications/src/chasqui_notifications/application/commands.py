"""Use cases called by the API: a person's channel preferences and consent, effective at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from chasqui_common.bootstrap import UnitOfWork
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus

from chasqui_notifications.adapters import repository
from chasqui_notifications.application.status import status_changed
from chasqui_notifications.domain.consent import ContactCard


async def set_preferences(
    uow: UnitOfWork,
    person_id: str,
    *,
    consent: dict[DeliveryChannel, bool],
    language: str | None,
    at: datetime | None = None,
) -> tuple[ContactCard, int]:
    """Apply the person's choices; messages not yet handed to a provider on a withdrawn channel
    are suppressed in the same transaction. Returns the card and how many were suppressed."""
    at = at or datetime.now(UTC)
    card = await repository.card_for_update(uow.conn, person_id)
    card = card.apply_choice(consent, at)
    if language:
        card = replace(card, language=language)
    await repository.save_card(uow.conn, card)
    withdrawn = [channel for channel, granted in consent.items() if not granted]
    suppressed = 0
    if withdrawn:
        for delivery in await repository.pending_for_person(uow.conn, person_id, withdrawn):
            reason = f"consent for {delivery.channel.value} withdrawn"
            await repository.update_status(
                uow.conn, delivery.delivery_id, "suppressed_consent", reason=reason
            )
            await uow.publish(
                status_changed(delivery, DeliveryStatus.SUPPRESSED_CONSENT, reason=reason, at=at)
            )
            suppressed += 1
    return card, suppressed
