"""The front-desk web console under /console: server-rendered Spanish pages over the same use cases
as the API (`run.command` / `run.query`), with the API's token and scopes in an HttpOnly cookie.

Mounted by adding `console.router` to the service's routers; it is left out of the OpenAPI
document (pages, not an API). See docs/citizen-attention.md#front-desk-console.
"""

from __future__ import annotations

from fastapi import APIRouter

from chasqui_citizen_attention.console import citizen_routes, figures_routes, login_routes, queue_routes
from chasqui_citizen_attention.console.session import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)
for module in (login_routes, citizen_routes, queue_routes, figures_routes):
    router.include_router(module.router)

__all__ = ["router"]
