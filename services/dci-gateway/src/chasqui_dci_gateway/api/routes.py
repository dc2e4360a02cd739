"""HTTP API of the DCI gateway: the DCI registry endpoints and the sender registry (domain errors
become problem details, with the DCI code in `errors`, through the shared handler)."""

from __future__ import annotations

from fastapi import APIRouter

from . import registry_routes, sender_routes, subscription_routes

router = APIRouter()
for resource in (registry_routes, subscription_routes, sender_routes):
    router.include_router(resource.router)
