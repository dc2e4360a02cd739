"""Acceptance: the same (event, person, channel) is delivered at most once, across redeliveries,
restarts and concurrent consumers; provider failures are retried or recorded, never stormed."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from . import people
from .conftest import Mailbox, Provider, envelope, eventually, publish, statuses


async def test_the_same_event_three_times_with_a_restart_in_between_gives_one_message_per_channel(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    event = envelope(people.appointment(p, sms=True, email=True))
    marker_person = people.person()
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, event)

        async def sent() -> bool:
            return (await statuses(svc, p.person_id)).items() >= {"email": "sent", "sms": "sent"}.items()

        await eventually(sent, what="first delivery")
    async with notifications() as svc:  # restarted: same schema, same consumer group
        marker = envelope(people.expiring(marker_person, sms=False, email=True))
        await publish(kafka_bootstrap_servers, event, event, marker)

        async def marker_sent() -> bool:
            return (await statuses(svc, marker_person.person_id)).get("email") == "sent"

        await eventually(marker_sent, what="the event behind the duplicates")
        await svc.runtime.dispatcher.dispatch_once()
        count = await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM deliveries WHERE person_id = $1", p.person_id
        )
    assert count == 3  # e-mail and SMS sent, WhatsApp suppressed (no consent): once each
    assert len(mailbox.to(p.email)) == 1
    assert len(provider.to(p.phone)) == 1


async def test_two_consumer_instances_with_separate_inboxes_still_send_once(
    notifications: Any, mailbox: Mailbox, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    # Two replicas under different consumer groups both apply every event (their inboxes differ):
    # only the unique (event, person, channel) key and the dispatchers' row locks stand between
    # the person and a second message.
    persons = [people.person() for _ in range(5)]
    events = [envelope(people.appointment(q, sms=True, email=True)) for q in persons]
    base = f"notifications-it-{uuid.uuid4().hex[:12]}"
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(notifications(group=f"{base}-a"))
        await stack.enter_async_context(notifications(group=f"{base}-b"))
        await publish(kafka_bootstrap_servers, *events, *events)

        async def all_sent() -> bool:
            counts = [await statuses(first, q.person_id) for q in persons]
            return all(c.items() >= {"email": "sent", "sms": "sent"}.items() for c in counts)

        await eventually(all_sent, what="every appointment sent")
        await asyncio.sleep(0.5)  # let any straggler (there must be none) arrive
        inboxes = await first.runtime.pool.fetchval(
            "SELECT count(DISTINCT consumer) FROM inbox WHERE event_id = $1", events[0].id
        )
    assert inboxes == 2, "both consumers applied the event"
    for q in persons:
        assert len(mailbox.to(q.email)) == 1
        assert len(provider.to(q.phone)) == 1


async def test_a_provider_answering_500_twice_then_200_gives_one_message(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    provider.scripts[p.phone] = [500, 503, 200]
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.expiring(p, sms=True, email=False)))

        async def sent() -> bool:
            return (await statuses(svc, p.person_id)).get("sms") == "sent"

        await eventually(sent, what="the SMS sent on the third attempt")
        row = await svc.runtime.pool.fetchrow(
            "SELECT attempts, provider_message_id FROM deliveries WHERE person_id = $1 AND channel = 'sms'",
            p.person_id,
        )
    calls = provider.to(p.phone)
    assert len(calls) == 3
    assert len({c["reference"] for c in calls}) == 1, "every attempt carries the same idempotency key"
    assert row["attempts"] == 3
    assert row["provider_message_id"].startswith("prov-")


async def test_a_provider_answering_400_is_a_recorded_failure_without_retries(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    provider.scripts[p.phone] = [400, 400, 400, 400]
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.expiring(p, sms=True, email=False)))

        async def failed() -> bool:
            return (await statuses(svc, p.person_id)).get("sms") == "failed"

        await eventually(failed, what="the SMS recorded as failed")
        await asyncio.sleep(0.5)
        reason = await svc.runtime.pool.fetchval(
            "SELECT reason FROM deliveries WHERE person_id = $1 AND channel = 'sms'", p.person_id
        )
    assert reason == "http-sms 400: destination number is not a mobile line"
    assert len(provider.to(p.phone)) == 1


async def test_a_provider_timing_out_is_retried(
    notifications: Any, provider: Provider, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    provider.scripts[p.phone] = ["timeout", 200]
    async with notifications(provider_timeout_seconds=0.5) as svc:
        await publish(kafka_bootstrap_servers, envelope(people.expiring(p, sms=True, email=False)))

        async def sent() -> bool:
            return (await statuses(svc, p.person_id)).get("sms") == "sent"

        await eventually(sent, what="the SMS sent after a timeout")
    assert len(provider.to(p.phone)) == 2
