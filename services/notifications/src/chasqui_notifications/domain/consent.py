"""A person's contact card and consent per channel, and how upstream facts and the person's own
choices merge into it.

Consent given or withdrawn through this service's API is the person's latest word and must not be
undone by an unrelated upstream update that merely repeats an old consent flag (a registry
snapshot after an address change still says `sms: true`). So an upstream value changes the
consent only when it differs from the last upstream value seen, i.e. when the person actually
changed their mind at the source; and never when it is older than the decision in force.

The first upstream value seen after a choice made here only becomes the baseline: a card whose
consent the person set through the API before any upstream event reported one (or a person who
moves to another household and comes back in `registry.member.added` with the same `person_id`)
cannot tell "consented again at the source" from "the source still has its old flag", so the
person's choice stands. A withdrawn consent is therefore never re-granted by a move; only a
later *change* at the source (a value different from that baseline) counts.

SMS and WhatsApp reach mobile numbers only (`chasqui_common.values.is_mobile` on the E.164 phone
of the card): consent to SMS on a landline is kept as the person gave it, but no SMS goes there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chasqui_common.events.notifications import DeliveryChannel
from chasqui_common.values import is_mobile

PHONE_CHANNELS = frozenset({DeliveryChannel.SMS, DeliveryChannel.WHATSAPP})


@dataclass(frozen=True)
class ChannelConsent:
    granted: bool = False
    decided_at: datetime | None = None
    upstream: bool | None = None  # the last value an upstream service reported

    def to_json(self) -> dict[str, Any]:
        return {
            "granted": self.granted,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "upstream": self.upstream,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ChannelConsent:
        decided = raw.get("decided_at")
        return cls(
            granted=bool(raw.get("granted", False)),
            decided_at=datetime.fromisoformat(decided) if decided else None,
            upstream=raw.get("upstream"),
        )


@dataclass(frozen=True)
class ContactUpdate:
    """What an upstream event says about a person's contact details and consent."""

    person_id: str
    at: datetime
    given_names: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: dict[DeliveryChannel, bool] = field(default_factory=dict)
    employment_contact: bool | None = None


@dataclass(frozen=True)
class ContactCard:
    """What this service knows of how (and whether) to reach one person."""

    person_id: str
    given_names: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_at: datetime | None = None
    consent: dict[DeliveryChannel, ChannelConsent] = field(default_factory=dict)
    employment_contact: bool | None = None
    language: str = "es"

    def consent_for(self, channel: DeliveryChannel) -> ChannelConsent:
        return self.consent.get(channel, ChannelConsent())

    def address_for(self, channel: DeliveryChannel) -> str | None:
        return self.email if channel is DeliveryChannel.EMAIL else self.phone

    def reaches(self, channel: DeliveryChannel) -> bool:
        """Whether the address on file can receive `channel`: SMS and WhatsApp need a mobile number."""
        address = self.address_for(channel)
        if not address:
            return False
        return channel not in PHONE_CHANNELS or is_mobile(address)

    def apply_upstream(self, update: ContactUpdate) -> ContactCard:
        """Merge an upstream fact; older facts never overwrite newer ones."""
        card = self
        if card.contact_at is None or update.at >= card.contact_at:
            card = replace(
                card,
                given_names=update.given_names or card.given_names,
                phone=update.phone if update.phone is not None else card.phone,
                email=update.email if update.email is not None else card.email,
                contact_at=update.at,
                employment_contact=(
                    update.employment_contact
                    if update.employment_contact is not None
                    else card.employment_contact
                ),
            )
        consent = dict(card.consent)
        for channel, value in update.consent.items():
            consent[channel] = merge_upstream_consent(card.consent_for(channel), value, update.at)
        return replace(card, consent=consent)

    def apply_choice(self, choices: dict[DeliveryChannel, bool], at: datetime) -> ContactCard:
        """The person's own choice (API): takes effect at once, whatever upstream said before."""
        consent = dict(self.consent)
        for channel, value in choices.items():
            consent[channel] = replace(self.consent_for(channel), granted=value, decided_at=at)
        return replace(self, consent=consent)


def merge_upstream_consent(current: ChannelConsent, value: bool, at: datetime) -> ChannelConsent:
    if current.decided_at is not None and at < current.decided_at:
        return current  # an older fact, e.g. a replayed event: the later decision stands
    if current.upstream is None and current.decided_at is not None:
        # A choice made here (API) before upstream ever reported this channel: the first report
        # (a snapshot, a move to another household) is only the baseline; the choice stands.
        return replace(current, upstream=value)
    if current.upstream is not None and current.upstream == value:
        return current  # the source repeats itself; a choice made here since then stands
    return ChannelConsent(granted=value, decided_at=at, upstream=value)
