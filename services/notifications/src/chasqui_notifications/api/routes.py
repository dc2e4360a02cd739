"""HTTP API (/v1): message history, templates, a person's preferences and consent."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.auth import CALLER, Caller, Principal, require_scopes
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import Text, text
from fastapi import APIRouter, Depends, Path, Query

from chasqui_notifications.api.schemas import (
    NotificationHistory,
    NotificationSummary,
    PreferencesIn,
    PreferencesOut,
    TemplateList,
)
from chasqui_notifications.application import commands, queries

router = APIRouter(prefix="/v1", tags=["notifications"])
READ = Depends(require_scopes("notifications:read"))
WRITE = Depends(require_scopes("notifications:write"))
# Parameters follow the shared value rules (chasqui_common.values): one line of text, no control
# characters; the path's pattern is narrower still.
PersonId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$"), text()]
PersonIdQuery = Annotated[Text, Query(min_length=1, max_length=64)]


@router.get("/notifications", response_model=NotificationHistory)
async def list_notifications(
    person_id: PersonIdQuery,
    run: UseCases,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    _: Principal = READ,
    caller: Caller = CALLER,
) -> NotificationHistory:
    query = queries.ListNotifications(person_id, limit, caller=caller)
    history = await run.command(queries.list_notifications, query)
    return NotificationHistory.of(history)


@router.get("/notifications/summary", response_model=NotificationSummary)
async def summary(run: UseCases, _: Principal = READ) -> NotificationSummary:
    """Messages per channel and status (what the platform's run command shows)."""
    return NotificationSummary.of(
        await run.query(queries.summarize_notifications, queries.SummarizeNotifications())
    )


@router.get("/templates", response_model=TemplateList)
async def list_templates(run: UseCases, _: Principal = READ) -> TemplateList:
    return TemplateList.of(await run.query(queries.list_templates, queries.ListTemplates()))


@router.get("/persons/{person_id}/preferences", response_model=PreferencesOut)
async def get_preferences(
    person_id: PersonId, run: UseCases, _: Principal = READ, caller: Caller = CALLER
) -> PreferencesOut:
    query = queries.GetPreferences(person_id, caller=caller)
    return PreferencesOut.of(await run.command(queries.get_preferences, query))


@router.put("/persons/{person_id}/preferences", response_model=PreferencesOut)
async def put_preferences(
    person_id: PersonId, body: PreferencesIn, run: UseCases, _: Principal = WRITE, caller: Caller = CALLER
) -> PreferencesOut:
    choices = body.consent.choices()
    command = commands.SetPreferences(person_id, consent=choices, language=body.language, caller=caller)
    return PreferencesOut.of(await run.command(commands.set_preferences, command))
