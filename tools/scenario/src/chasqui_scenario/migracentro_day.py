"""A realistic day at the four Migracentros, played against a running migrant-services over HTTP.

Part of the Perú scenario of `make run` (`peru.migracentros`), and on its own:
`chasqui-scenario migracentros --url http://127.0.0.1:8004 --token ...` (a token with the
service's write scope, e.g. `uv run chasqui-token issue --scope migrants:write`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from chasqui_common.clock import LIMA

# (point, given names, surnames, nationality, birth date, occupations, services, referral target)
PEOPLE: tuple[tuple[str, str, str, str, str, str, list[str], str, str | None], ...] = (
    (
        "ICA",
        "María José",
        "Rondón",
        "Pérez",
        "VEN",
        "1990-04-02",
        ["5120"],
        "employment_orientation",
        "employment",
    ),
    ("ICA", "Luis Alberto", "Gómez", "Suárez", "VEN", "1985-11-20", ["7112"], "document_procedure", None),
    ("PURUCHUCO", "Yusmary", "Hernández", "Blanco", "VEN", "1994-07-15", [], "health_affiliation", "health"),
    (
        "PURUCHUCO",
        "Carlos",
        "Mendoza",
        "Ríos",
        "COL",
        "1988-01-09",
        ["8322"],
        "employment_orientation",
        "employment",
    ),
    (
        "VMT",
        "Ana Karina",
        "Salazar",
        "Lugo",
        "VEN",
        "1979-03-30",
        [],
        "social_programs_registration",
        "household_registration",
    ),
    (
        "VMT",
        "José Gregorio",
        "Castillo",
        "Mora",
        "VEN",
        "2001-12-02",
        [],
        "education_validation",
        "education",
    ),
    ("PRIMAVERA", "Daniela", "Quintero", "Páez", "VEN", "1996-05-21", ["3322"], "refugee_guidance", None),
    (
        "PRIMAVERA",
        "Rosa Elena",
        "Quispe",
        "Huamán",
        "PER",
        "1960-08-14",
        [],
        "social_programs_registration",
        "household_registration",
    ),
)


def next_open_weekday(today: date) -> date:
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def attend_at_migracentros(client: httpx.AsyncClient) -> dict[str, Any]:
    """Register, open cases, book appointments and refer; returns the ids created."""
    today = datetime.now(LIMA).date()
    created: dict[str, Any] = {"migrants": [], "cases": [], "appointments": [], "referrals": []}
    for i, (point, given, paternal, maternal, nationality, born, occupations, service, target) in enumerate(
        PEOPLE
    ):
        suffix = uuid.uuid4().hex[:6].upper()
        documents: list[dict[str, Any]]
        if nationality == "PER":
            documents = [{"type": "DNI", "number": f"{40000000 + int(suffix, 16) % 9999999:08d}"}]
        else:
            # every third CPP is close to expiry, so the expiry watch has something to announce
            expiry = today + timedelta(days=20 if i % 3 == 0 else 300)
            documents = [{"type": "CPP", "number": f"C{suffix}", "expires_on": expiry.isoformat()}]
        person = await _ok(
            client.post(
                "/v1/migrants",
                json={
                    "attention_point": point,
                    "documents": documents,
                    "nationality": nationality,
                    "entry_date": None if nationality == "PER" else "2019-02-11",
                    "given_names": given,
                    "paternal_surname": paternal,
                    "maternal_surname": maternal,
                    "birth_date": born,
                    "contact": {
                        "phone": f"+5198{int(suffix, 16) % 10_000_000:07d}",
                        "consent": {"sms": True, "whatsapp": i % 2 == 0},
                    },
                    "occupations": occupations,
                },
            )
        )
        created["migrants"].append(person["migrant_id"])
        case = await _ok(
            client.post(
                "/v1/cases",
                json={
                    "migrant_id": person["migrant_id"],
                    "attention_point": point,
                    "requested_services": [service],
                },
            )
        )
        created["cases"].append(case["case_id"])
        appointment = await _ok(
            client.post(
                "/v1/appointments",
                json={
                    "migrant_id": person["migrant_id"],
                    "attention_point": point,
                    "service": service,
                    "day": next_open_weekday(today).isoformat(),
                    "case_id": case["case_id"],
                },
            )
        )
        created["appointments"].append(appointment["appointment_id"])
        await _ok(client.post(f"/v1/cases/{case['case_id']}/transitions", json={"status": "in_progress"}))
        if target is not None:
            referral = await _ok(
                client.post(f"/v1/cases/{case['case_id']}/referrals", json={"target": target})
            )
            created["referrals"].append(referral["referral_id"])
    await _ok(client.post("/v1/document-expiry/sweeps"))
    return created


async def _ok(request: Any) -> dict[str, Any]:
    response: httpx.Response = await request
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    data: dict[str, Any] = response.json()
    return data
