"""HTTP API: history with status, templates, preferences; scopes and precise validation errors."""

from __future__ import annotations

from typing import Any

from . import people
from .conftest import envelope, eventually, publish, statuses


async def test_history_templates_and_preferences_over_http(
    notifications: Any, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.appointment(p, sms=True, email=True)))

        async def sent() -> bool:
            return (await statuses(svc, p.person_id)).get("email") == "sent"

        await eventually(sent, what="the e-mail sent")
        async with svc.client("notifications:read") as http:
            history = (await http.get("/v1/notifications", params={"person_id": p.person_id})).json()
            templates = (await http.get("/v1/templates")).json()
            prefs = (await http.get(f"/v1/persons/{p.person_id}/preferences")).json()
            summary = (await http.get("/v1/notifications/summary")).json()
            unknown = await http.get(f"/v1/persons/{p.person_id}-nobody/preferences")
            forbidden = await http.put(
                f"/v1/persons/{p.person_id}/preferences", json={"consent": {"sms": False}}
            )
        async with svc.client("notifications:write") as http:
            invalid = await http.put(f"/v1/persons/{p.person_id}/preferences", json={"language": "klingon"})
        async with svc.client() as anonymous:
            unauthenticated = await anonymous.get("/v1/templates")

    by_channel = {item["channel"]: item for item in history["items"]}
    assert by_channel["email"]["status"] == "sent"
    assert by_channel["email"]["template"] == "migrants.appointment_scheduled"
    assert by_channel["whatsapp"]["status"] == "suppressed_consent"
    assert p.email not in str(history)
    assert p.phone not in str(history)
    assert {t["key"] for t in templates["items"]} >= {
        "migrants.appointment_scheduled",
        "registry.ule_reclassification",
    }
    assert prefs["consent"]["email"]["granted"] is True
    assert prefs["reachable_by"] == ["email", "sms", "whatsapp"]
    assert summary["email"]["sent"] >= 1
    assert forbidden.status_code == 403
    assert unauthenticated.status_code == 401
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "language"
    assert invalid.json()["errors"][0]["value"] == "klingon"
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "https://chasqui.pe/problems/person-unknown"
    assert unknown.json()["title"] == "Person not known"
    assert "errors" not in unknown.json()
