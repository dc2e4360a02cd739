"""decision.changed carries no contact details (ADR 0008): notifications tells the person on the
channels of its own contact card, with the consent the card holds, even when the decision arrives
before the registry event that brings the card."""

from __future__ import annotations

from typing import Any

from . import people
from .conftest import Mailbox, Provider, envelope, eventually, publish, statuses


async def test_a_decision_before_the_card_waits_for_it_and_follows_the_cards_consent(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    elder = people.person("per")
    decided = envelope(people.decision(elder, "PENSION_65"))
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, decided)

        async def consumed() -> bool:
            found = await svc.runtime.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = $1", decided.id
            )
            return bool(found)

        await eventually(consumed, what="the decision consumed")
        assert await statuses(svc, elder.person_id) == {}, "no card yet: nothing planned, nothing lost"
        waiting = await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM awaiting_contact WHERE person_id = $1 AND event_id = $2",
            elder.person_id,
            decided.id,
        )
        assert waiting == 1

        # The registry brings the card: e-mail consented, SMS not.
        await publish(kafka_bootstrap_servers, envelope(people.household(elder, sms=False, email=True)))

        async def told() -> bool:
            expected = {"email": "sent", "sms": "suppressed_consent", "whatsapp": "suppressed_consent"}
            return await statuses(svc, elder.person_id) == expected

        await eventually(told, what="e-mail sent, SMS and WhatsApp suppressed by the card's consent")
        rows = await svc.runtime.pool.fetch(
            "SELECT event_id, template FROM deliveries WHERE person_id = $1", elder.person_id
        )
        assert {(r["event_id"], r["template"]) for r in rows} == {(decided.id, "eligibility.decision_gained")}
        mail = mailbox.to(elder.email)
        assert [m["X-Chasqui-Template"] for m in mail] == ["eligibility.decision_gained"]
        assert "Hola Yusmely" in mail[0].get_body(preferencelist=("plain",)).get_content()  # the card's name
        assert provider.to(elder.phone) == []
        assert not await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM awaiting_contact WHERE person_id = $1", elder.person_id
        )
