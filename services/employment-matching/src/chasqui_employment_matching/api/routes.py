"""HTTP API /v1, one route module per resource; errors are problem details (chasqui_common.http)."""

from __future__ import annotations

from fastapi import APIRouter

from chasqui_employment_matching.api import fairs, placements, seekers, vacancies

routers: list[APIRouter] = [seekers.router, vacancies.router, fairs.router, placements.router]
"""In the order of the OpenAPI document: job seekers, employers and vacancies, fairs, outcomes."""
