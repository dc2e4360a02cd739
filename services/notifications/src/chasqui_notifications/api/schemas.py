"""Request and response bodies of the HTTP API (/v1)."""

from __future__ import annotations

from datetime import datetime

from chasqui_common.events.notifications import DeliveryChannel
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chasqui_notifications.application.models import PersonPreferences
from chasqui_notifications.application.queries import DeliveryHistory, DeliveryTotals, TemplateCatalogue
from chasqui_notifications.domain.delivery import Delivery


class NotificationOut(BaseModel):
    """One message to one person on one channel (no address or text: see the audit trail)."""

    delivery_id: str
    event_id: str
    event_type: str
    template: str
    language: str
    channel: DeliveryChannel
    status: str
    reason: str | None
    attempts: int
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> NotificationOut:
        return cls(
            delivery_id=str(d.delivery_id),
            event_id=str(d.event_id),
            event_type=d.event_type,
            template=d.template,
            language=d.language,
            channel=d.channel,
            status=d.status,
            reason=d.reason,
            attempts=d.attempts,
            not_before=d.not_before,
            created_at=d.created_at,
            updated_at=d.updated_at,
            sent_at=d.sent_at,
        )


class NotificationHistory(BaseModel):
    person_id: str
    items: list[NotificationOut]

    @classmethod
    def of(cls, history: DeliveryHistory) -> NotificationHistory:
        return cls(person_id=history.person_id, items=[NotificationOut.of(d) for d in history.items])


class NotificationSummary(RootModel[dict[str, dict[str, int]]]):
    """Messages per channel and status, e.g. `{"sms": {"sent": 3, "deferred_quiet_hours": 1}}`."""

    @classmethod
    def of(cls, totals: DeliveryTotals) -> NotificationSummary:
        return cls(totals.by_channel)


class TemplateOut(BaseModel):
    key: str
    language: str
    channels: list[DeliveryChannel]
    description: str


class TemplateList(BaseModel):
    items: list[TemplateOut]

    @classmethod
    def of(cls, catalogue: TemplateCatalogue) -> TemplateList:
        return cls(
            items=[
                TemplateOut(
                    key=t.key, language=t.language, channels=list(t.channels), description=t.description
                )
                for t in catalogue.items
            ]
        )


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sms: bool | None = None
    email: bool | None = None
    whatsapp: bool | None = None

    def choices(self) -> dict[DeliveryChannel, bool]:
        """The channels the request decides (omitted ones stay as they are)."""
        return {
            DeliveryChannel(name): value for name, value in self.model_dump().items() if value is not None
        }


class PreferencesIn(BaseModel):
    """Consent per channel (omitted channels are left as they are) and the message language."""

    model_config = ConfigDict(extra="forbid")

    consent: ConsentIn = Field(default_factory=ConsentIn)
    language: str | None = Field(default=None, min_length=2, max_length=8)


class ChannelConsentOut(BaseModel):
    granted: bool
    decided_at: datetime | None


class PreferencesOut(BaseModel):
    person_id: str
    language: str
    consent: dict[DeliveryChannel, ChannelConsentOut]
    reachable_by: list[DeliveryChannel] = Field(description="Channels with an address on file (not shown)")
    employment_contact: bool | None
    suppressed: int = Field(0, description="Pending messages suppressed by this change")

    @classmethod
    def of(cls, preferences: PersonPreferences) -> PreferencesOut:
        return cls(
            person_id=preferences.person_id,
            language=preferences.language,
            consent={
                channel: ChannelConsentOut(granted=view.granted, decided_at=view.decided_at)
                for channel, view in preferences.consent.items()
            },
            reachable_by=preferences.reachable_by,
            employment_contact=preferences.employment_contact,
            suppressed=preferences.suppressed,
        )
