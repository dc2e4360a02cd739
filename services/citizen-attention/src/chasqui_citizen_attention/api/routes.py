"""HTTP API under /v1: one router per resource, gathered here (domain errors become problem details
through the shared handler installed by `create_app`)."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    citizen_routes,
    figure_routes,
    municipality_routes,
    referral_routes,
    request_routes,
    ticket_routes,
    worklist_routes,
)

router = APIRouter(prefix="/v1", tags=["citizen-attention"])
for resource in (
    municipality_routes,
    citizen_routes,
    ticket_routes,
    referral_routes,
    request_routes,
    figure_routes,
    worklist_routes,
):
    router.include_router(resource.router)
