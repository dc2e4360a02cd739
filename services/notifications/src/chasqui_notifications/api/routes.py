"""HTTP API (/v1): message history, templates, a person's preferences and consent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import ServiceRuntime, runtime
from chasqui_common.events.notifications import DeliveryChannel
from chasqui_common.http.problems import FieldError, ProblemError
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from chasqui_notifications.adapters.repository import Delivery
from chasqui_notifications.application import commands, queries
from chasqui_notifications.application.event_handlers import RENDERER
from chasqui_notifications.domain.consent import ContactCard

router = APIRouter(prefix="/v1", tags=["notifications"])
READ = Depends(require_scopes("notifications:read"))
WRITE = Depends(require_scopes("notifications:write"))
PersonId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


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


class TemplateOut(BaseModel):
    key: str
    language: str
    channels: list[DeliveryChannel]
    description: str


class TemplateList(BaseModel):
    items: list[TemplateOut]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sms: bool | None = None
    email: bool | None = None
    whatsapp: bool | None = None


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
    def of(cls, card: ContactCard, suppressed: int = 0) -> PreferencesOut:
        return cls(
            person_id=card.person_id,
            language=card.language,
            consent={
                ch: ChannelConsentOut(
                    granted=card.consent_for(ch).granted, decided_at=card.consent_for(ch).decided_at
                )
                for ch in DeliveryChannel
            },
            reachable_by=[ch for ch in DeliveryChannel if card.address_for(ch)],
            employment_contact=card.employment_contact,
            suppressed=suppressed,
        )


@router.get("/notifications", response_model=NotificationHistory)
async def list_notifications(
    person_id: Annotated[str, Query(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = READ,
) -> NotificationHistory:
    items = await queries.history(rt.pool, person_id, limit)
    return NotificationHistory(person_id=person_id, items=[NotificationOut.of(d) for d in items])


@router.get("/notifications/summary")
async def summary(rt: ServiceRuntime = Depends(runtime), _: Principal = READ) -> dict[str, dict[str, int]]:
    """Messages per channel and status (what the platform's run command shows)."""
    return await queries.totals(rt.pool)


@router.get("/templates", response_model=TemplateList)
async def list_templates(_: Principal = READ) -> TemplateList:
    return TemplateList(
        items=[
            TemplateOut(key=t.key, language=t.language, channels=list(t.channels), description=t.description)
            for t in RENDERER.catalogue()
        ]
    )


@router.get("/persons/{person_id}/preferences", response_model=PreferencesOut)
async def get_preferences(
    person_id: PersonId, rt: ServiceRuntime = Depends(runtime), _: Principal = READ
) -> PreferencesOut:
    card = await queries.preferences(rt.pool, person_id)
    if card is None:
        raise ProblemError(
            404, "person-unknown", "Person not known", f"no contact card for person_id={person_id!r}"
        )
    return PreferencesOut.of(card)


@router.put("/persons/{person_id}/preferences", response_model=PreferencesOut)
async def put_preferences(
    person_id: PersonId,
    body: PreferencesIn,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = WRITE,
) -> PreferencesOut:
    languages = RENDERER.languages()
    if body.language is not None and body.language not in languages:
        raise ProblemError(
            422,
            "validation",
            "Request is not valid",
            f"language={body.language!r} has no templates",
            errors=[FieldError(field="language", value=body.language, expected=f"one of {languages}")],
        )
    consent = {
        DeliveryChannel(name): value for name, value in body.consent.model_dump().items() if value is not None
    }
    async with rt.unit_of_work() as uow:
        card, suppressed = await commands.set_preferences(
            uow, person_id, consent=consent, language=body.language
        )
    return PreferencesOut.of(card, suppressed)
