"""Request and response bodies of the HTTP API (/v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from chasqui_common.events.notifications import DeliveryChannel
from chasqui_common.http.schemas import ResponseModel
from chasqui_common.values import text
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chasqui_notifications.application.queries import DeliveryHistory, DeliveryTotals
from chasqui_notifications.domain.delivery import Delivery


class NotificationOut(ResponseModel):
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
    def of(cls, d: Delivery, /, **overrides: Any) -> Self:
        return super().of(d, delivery_id=str(d.delivery_id), event_id=str(d.event_id), **overrides)


class NotificationHistory(ResponseModel):
    person_id: str
    items: list[NotificationOut]

    @classmethod
    def of(cls, history: DeliveryHistory, /, **overrides: Any) -> Self:
        return super().of(history, items=[NotificationOut.of(d) for d in history.items], **overrides)


class NotificationSummary(RootModel[dict[str, dict[str, int]]]):
    """Messages per channel and status, e.g. `{"sms": {"sent": 3, "deferred_quiet_hours": 1}}`."""

    @classmethod
    def of(cls, totals: DeliveryTotals) -> NotificationSummary:
        return cls(totals.by_channel)


class TemplateOut(ResponseModel):
    key: str
    language: str
    channels: list[DeliveryChannel]
    description: str


class TemplateList(ResponseModel):
    items: list[TemplateOut]


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
    language: Annotated[str, text(min_length=2, max_length=8)] | None = None


class ChannelConsentOut(ResponseModel):
    granted: bool
    decided_at: datetime | None


class PreferencesOut(ResponseModel):
    person_id: str
    language: str
    consent: dict[DeliveryChannel, ChannelConsentOut]
    reachable_by: list[DeliveryChannel] = Field(description="Channels with an address on file (not shown)")
    employment_contact: bool | None
    suppressed: int = Field(0, description="Pending messages suppressed by this change")
