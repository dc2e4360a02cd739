"""Appointments on the real Postgres: the last slot goes to exactly one of many concurrent bookers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from chasqui_common.clock import LIMA
from chasqui_migrant_services.domain.attention_points import WEEKDAYS
from chasqui_testing import RunningService

from .conftest import events_for, register

ALL_WEEK = dict.fromkeys(WEEKDAYS, "08:00-17:00")


async def _point_with_one_slot(service: RunningService) -> str:
    code = "T" + uuid.uuid4().hex[:6].upper()
    async with service.client("migrants:write") as client:
        response = await client.post(
            "/v1/attention-points",
            json={
                "code": code,
                "name": "Migracentro de prueba",
                "ubigeo": "150130",
                "address": "San Borja, Lima",
                "opening_hours": ALL_WEEK,
                "daily_capacity": {"document_procedure": 1},
            },
        )
        assert response.status_code == 201, response.text
    return code


async def test_twenty_concurrent_requests_for_the_last_slot_book_it_exactly_once(
    service: RunningService,
) -> None:
    code = await _point_with_one_slot(service)
    day = (datetime.now(LIMA).date() + timedelta(days=1)).isoformat()
    async with service.client("migrants:write", "migrants:read") as client:
        migrants = await asyncio.gather(*(register(client, code) for _ in range(20)))
        responses = await asyncio.gather(
            *(
                client.post(
                    "/v1/appointments",
                    json={
                        "migrant_id": m["migrant_id"],
                        "attention_point": code,
                        "service": "document_procedure",
                        "day": day,
                    },
                )
                for m in migrants
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
        refused = next(r for r in responses if r.status_code == 409)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/slot-unavailable")
        assert refused.json()["errors"][0]["field"] == "day"

        slots = (
            await client.get(f"/v1/attention-points/{code}/slots", params={"from": day, "days": 1})
        ).json()
        assert slots["days"][0]["services"] == [
            {"service": "document_procedure", "capacity": 1, "booked": 1, "free": 0}
        ]
        booked = await client.get("/v1/appointments", params={"attention_point": code, "day": day})
        assert len(booked.json()) == 1


async def test_cancelling_frees_the_slot_and_both_facts_are_published(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    code = await _point_with_one_slot(service)
    day = (datetime.now(LIMA).date() + timedelta(days=2)).isoformat()
    async with service.client("migrants:write", "migrants:read") as client:
        first, second = await register(client, code), await register(client, code)
        booking = {"attention_point": code, "service": "document_procedure", "day": day}
        made = await client.post("/v1/appointments", json={**booking, "migrant_id": first["migrant_id"]})
        assert made.status_code == 201, made.text
        full = await client.post("/v1/appointments", json={**booking, "migrant_id": second["migrant_id"]})
        assert full.status_code == 409

        appointment_id = made.json()["appointment_id"]
        cancelled = await client.post(
            f"/v1/appointments/{appointment_id}/cancel", json={"reason": "la persona no puede asistir"}
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        again = await client.post(f"/v1/appointments/{appointment_id}/cancel", json={"reason": "dos veces"})
        assert again.status_code == 409

        retaken = await client.post("/v1/appointments", json={**booking, "migrant_id": second["migrant_id"]})
        assert retaken.status_code == 201, retaken.text

    events = await events_for(kafka_bootstrap_servers, {first["migrant_id"]}, count=3)
    types = [t for t, _ in events]
    assert types == [
        "pe.chasqui.migrants.migrant.registered.v1",
        "pe.chasqui.migrants.appointment.scheduled.v1",
        "pe.chasqui.migrants.appointment.cancelled.v1",
    ]
    scheduled = events[1][1]
    assert scheduled["attention_point"] == code
    assert scheduled["day"] == day
    assert scheduled["starts_at"].startswith(f"{day}T08:00:00")
    assert scheduled["contact"]["consent"] == {"sms": True, "email": False, "whatsapp": True}
    assert events[2][1]["reason"] == "la persona no puede asistir"


async def test_a_person_cannot_hold_two_appointments_for_the_same_service_and_day(
    service: RunningService,
) -> None:
    day = datetime.now(LIMA).date() + timedelta(days=1)
    while day.weekday() >= 5:  # Ica attends Monday to Friday
        day += timedelta(days=1)
    async with service.client("migrants:write") as client:
        person = await register(client, "ICA")
        booking = {
            "migrant_id": person["migrant_id"],
            "attention_point": "ICA",
            "service": "refugee_guidance",
            "day": day.isoformat(),
        }
        assert (await client.post("/v1/appointments", json=booking)).status_code == 201
        twice = await client.post("/v1/appointments", json=booking)
        assert twice.status_code == 409
        assert twice.json()["type"].endswith("/conflict")
        saturday = day + timedelta(days=5 - day.weekday())
        closed = await client.post("/v1/appointments", json={**booking, "day": saturday.isoformat()})
        assert closed.status_code == 422
        assert closed.json()["errors"][0]["field"] == "day"
