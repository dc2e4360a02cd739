"""Read side for the API: a person's message history and preferences, totals, the templates."""

from __future__ import annotations

from dataclasses import dataclass

from chasqui_common.application.unit_of_work import Reader

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.templates import RENDERER, TemplateInfo
from chasqui_notifications.application.models import PersonPreferences
from chasqui_notifications.domain.delivery import Delivery
from chasqui_notifications.domain.errors import PersonUnknown


@dataclass(frozen=True)
class ListNotifications:
    person_id: str
    limit: int = 100


@dataclass(frozen=True)
class DeliveryHistory:
    """The person's latest messages, newest first."""

    person_id: str
    items: list[Delivery]


async def list_notifications(reader: Reader, query: ListNotifications) -> DeliveryHistory:
    items = await repository.history(reader.conn, query.person_id, query.limit)
    return DeliveryHistory(query.person_id, items)


@dataclass(frozen=True)
class SummarizeNotifications:
    """Every message of the service, counted."""


@dataclass(frozen=True)
class DeliveryTotals:
    """Messages per channel and status, e.g. {"sms": {"sent": 3, "deferred_quiet_hours": 1}}."""

    by_channel: dict[str, dict[str, int]]


async def summarize_notifications(reader: Reader, query: SummarizeNotifications) -> DeliveryTotals:
    totals: dict[str, dict[str, int]] = {}
    for row in await repository.summary(reader.conn):
        totals.setdefault(row.channel, {})[row.status] = row.count
    return DeliveryTotals(totals)


@dataclass(frozen=True)
class GetPreferences:
    person_id: str


async def get_preferences(reader: Reader, query: GetPreferences) -> PersonPreferences:
    card = await repository.card(reader.conn, query.person_id)
    if card is None:
        # No field/value: the 404 body stays as it was (type, title, detail, no `errors`).
        raise PersonUnknown(f"no contact card for person_id={query.person_id!r}")
    return PersonPreferences.of(card)


@dataclass(frozen=True)
class ListTemplates:
    """Every template key and language, with the channels it can render."""


@dataclass(frozen=True)
class TemplateCatalogue:
    items: list[TemplateInfo]


async def list_templates(reader: Reader, query: ListTemplates) -> TemplateCatalogue:
    return TemplateCatalogue(RENDERER.catalogue())
