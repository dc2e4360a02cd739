"""Use cases called by the API: a person's channel preferences and consent, effective at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth.scope import Caller
from chasqui_common.events.notifications import DeliveryChannel, DeliveryStatus

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.templates import RENDERER
from chasqui_notifications.application.models import PersonPreferences
from chasqui_notifications.application.person_access import record_person
from chasqui_notifications.domain.delivery import status_changed
from chasqui_notifications.domain.errors import UnsupportedLanguage


@dataclass(frozen=True)
class SetPreferences:
    """The person's choices: consent per channel (channels left out stay as they are) and language."""

    person_id: str
    consent: Mapping[DeliveryChannel, bool] = field(default_factory=dict)
    language: str | None = None
    caller: Caller | None = field(default=None, kw_only=True)
    """The API client, named in the access record; None for the person's own opposition served
    over ARCO (recorded in `arco_requests`, not as a client's access)."""


async def set_preferences(uow: UnitOfWork, command: SetPreferences) -> PersonPreferences:
    """Apply the person's choices; messages not yet handed to a provider on a withdrawn channel
    are suppressed in the same transaction (`suppressed` says how many)."""
    languages = RENDERER.languages()
    if command.language is not None and command.language not in languages:
        raise UnsupportedLanguage(
            f"language={command.language!r} has no templates",
            field="language",
            value=command.language,
            expected=f"one of {languages}",
        )
    at = uow.clock.now()
    card = await repository.card_for_update(uow.conn, command.person_id)
    card = card.apply_choice(dict(command.consent), at)
    if command.language:
        card = replace(card, language=command.language)
    await repository.save_card(uow.conn, card)
    if command.caller is not None:
        await record_person(uow, command.caller, "preferences.update", command.person_id)
    withdrawn = [channel for channel, granted in command.consent.items() if not granted]
    suppressed = 0
    if withdrawn:
        for delivery in await repository.pending_for_person(uow.conn, command.person_id, withdrawn):
            reason = f"consent for {delivery.channel.value} withdrawn"
            await repository.update_status(
                uow.conn, delivery.delivery_id, DeliveryStatus.SUPPRESSED_CONSENT.value, reason=reason
            )
            await uow.publish(
                status_changed(delivery, DeliveryStatus.SUPPRESSED_CONSENT, reason=reason, at=at)
            )
            suppressed += 1
    return PersonPreferences.of(card, suppressed)
