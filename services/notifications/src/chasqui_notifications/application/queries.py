"""Read side for the API: a person's message history and preferences, totals, the templates.

`list_notifications` and `get_preferences` read a person's data: they write their access record
(chasqui_common.audit) in the read's own transaction, so they take a `UnitOfWork` and run through
`Transactions.command` (docs/privacy.md, ADR 0011); the others read no one's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chasqui_common.application.unit_of_work import Reader, UnitOfWork
from chasqui_common.auth.scope import Caller

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.templates import RENDERER, TemplateInfo
from chasqui_notifications.application.models import PersonPreferences
from chasqui_notifications.application.person_access import record_person
from chasqui_notifications.domain.delivery import Delivery
from chasqui_notifications.domain.errors import PersonUnknown


@dataclass(frozen=True)
class ListNotifications:
    person_id: str
    limit: int = 100
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class DeliveryHistory:
    """The person's latest messages, newest first."""

    person_id: str
    items: list[Delivery]


async def list_notifications(uow: UnitOfWork, query: ListNotifications) -> DeliveryHistory:
    """The person's latest messages; the read is recorded with the ids of the messages shown
    (`none-found` when there were none)."""
    items = await repository.history(uow.conn, query.person_id, query.limit)
    await record_person(
        uow,
        query.caller,
        "deliveries.read",
        query.person_id,
        resource_ids=[str(d.delivery_id) for d in items],
        found=bool(items),
    )
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
    caller: Caller = field(kw_only=True)


async def get_preferences(uow: UnitOfWork, query: GetPreferences) -> PersonPreferences:
    """The person's language, consent and reachable channels; the read is recorded."""
    card = await repository.card(uow.conn, query.person_id)
    if card is None:
        # No field/value: the 404 body stays as it was (type, title, detail, no `errors`).
        raise PersonUnknown(f"no contact card for person_id={query.person_id!r}")
    await record_person(uow, query.caller, "preferences.read", query.person_id)
    return PersonPreferences.of(card)


@dataclass(frozen=True)
class ListTemplates:
    """Every template key and language, with the channels it can render."""


@dataclass(frozen=True)
class TemplateCatalogue:
    items: list[TemplateInfo]


async def list_templates(reader: Reader, query: ListTemplates) -> TemplateCatalogue:
    return TemplateCatalogue(RENDERER.catalogue())
