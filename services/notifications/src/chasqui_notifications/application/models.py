"""Results the use cases hand back: plain frozen dataclasses, no rows, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chasqui_common.events.notifications import DeliveryChannel

from chasqui_notifications.domain.consent import ContactCard


@dataclass(frozen=True)
class ChannelConsentView:
    granted: bool
    decided_at: datetime | None


@dataclass(frozen=True)
class PersonPreferences:
    """A person's language and consent per channel, the channels an address on file can receive
    (not the address; SMS and WhatsApp need a mobile number), and how many pending messages the
    change that produced it suppressed."""

    person_id: str
    language: str
    consent: dict[DeliveryChannel, ChannelConsentView]
    reachable_by: list[DeliveryChannel]
    employment_contact: bool | None
    suppressed: int = 0

    @classmethod
    def of(cls, card: ContactCard, suppressed: int = 0) -> PersonPreferences:
        return cls(
            person_id=card.person_id,
            language=card.language,
            consent={
                channel: ChannelConsentView(
                    granted=card.consent_for(channel).granted,
                    decided_at=card.consent_for(channel).decided_at,
                )
                for channel in DeliveryChannel
            },
            reachable_by=[channel for channel in DeliveryChannel if card.reaches(channel)],
            employment_contact=card.employment_contact,
            suppressed=suppressed,
        )
