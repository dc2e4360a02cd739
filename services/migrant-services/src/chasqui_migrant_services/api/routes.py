"""HTTP API under /v1: one router per resource, gathered here (domain errors become problem details
through the shared handler installed by `create_app`)."""

from __future__ import annotations

from fastapi import APIRouter

from . import appointment_routes, attention_point_routes, case_routes, migrant_routes, watch_routes

router = APIRouter(prefix="/v1", tags=["migrants"])
for resource in (attention_point_routes, migrant_routes, case_routes, appointment_routes, watch_routes):
    router.include_router(resource.router)
