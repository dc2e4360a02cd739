"""DCI subscriptions end to end on the real broker and database: subscribe (answered by a signed
`on-subscribe` callback), registry events become signed `notify` callbacks with the standard's
filters, a subscriber whose callback is down for a while gets every notification afterwards
(retried with backoff, never dropped, once per message_id), unsubscribe stops them; and a
sender over its requests per minute is refused with 429. Every request and callback is validated
against the vendored spdci social_api v1.0.0 document."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from chasqui_common.events.registry import (
    CseLevel,
    Household,
    HouseholdClassified,
    HouseholdDeregistered,
    MemberAdded,
    MemberRemoved,
    Relationship,
)

from .conftest import (
    CLASSIFY,
    REGISTRY,
    DciSender,
    Gateway,
    callback_errors,
    publish,
    register_sender,
    registered,
    search_message,
)
from .test_dci_search import assert_signed_by_gateway, dni, household, person


def subscription(
    reference_id: str, event_type: str, filter_: Any, filter_type: str = "predicate"
) -> dict[str, Any]:
    return {
        "reference_id": reference_id,
        "timestamp": datetime.now(UTC).isoformat(),
        "subscribe_criteria": {
            "version": "1.0.0",
            "reg_type": "ns:chasqui:RegistryType:SocialRegistry",
            "reg_event_type": event_type,
            "filter_type": filter_type,
            "filter": filter_,
            "notify_record_type": "Person",
        },
    }


def callbacks(gw: Gateway, action: str) -> list[dict[str, Any]]:
    return [b for b in gw.receiver.bodies if b["header"]["action"] == action]


async def wait_callbacks(gw: Gateway, action: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while len(callbacks(gw, action)) < count and time.monotonic() < deadline:
        await gw.receiver.wait_for(len(gw.receiver.bodies) + 1, timeout=max(0.1, deadline - time.monotonic()))
    return callbacks(gw, action)


async def post_valid(gw: Gateway, path: str, body: dict[str, Any]) -> Any:
    """POST a message the standard accepts (validated with its answer by `Gateway.post`); ACK."""
    response = await gw.post(path, body)
    assert response.status_code == 200, response.text
    assert response.json()["message"]["ack_status"] == "ACK"
    return response.json()


def assert_callback_valid(action: str, body: dict[str, Any]) -> None:
    assert body["header"]["action"] == action
    errors = callback_errors(body)
    assert not errors, (action, errors)


async def test_a_subscriber_down_for_a_while_gets_every_notification_once(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    gw, sender = gateway, gateway.sender
    tag = uuid.uuid4().hex[:8]
    hid = f"HH-SUB-{tag}"
    ours = [{"seq_num": 1, "expression1": {"attribute_name": "household_identifier", "operator": "eq",
                                           "attribute_value": hid}}]  # fmt: skip
    message = {
        "transaction_id": uuid.uuid4().hex[:20],
        "subscribe_request": [
            subscription("s-register", "REGISTER", ours),
            subscription("s-deregister", "DEREGISTER", ours),
            subscription("s-classify", CLASSIFY, ours),
            subscription("s-payment", "PAYMENT", ours),
            subscription("s-bad", "REGISTER", [{"seq_num": 1, "expression1": {
                "attribute_name": "shoe_size", "operator": "eq", "attribute_value": "42"}}]),
        ],
    }  # fmt: skip
    envelope = sender.envelope("subscribe", message, total_count=5)
    ack = await post_valid(gw, "/registry/subscribe", envelope)
    [on_subscribe] = await wait_callbacks(gw, "on-subscribe", 1)
    assert_callback_valid("on-subscribe", on_subscribe)
    await assert_signed_by_gateway(gw, on_subscribe)
    answers = {a["reference_id"]: a for a in on_subscribe["message"]["subscribe_response"]}
    assert on_subscribe["message"]["correlation_id"] == ack["message"]["correlation_id"]
    assert answers["s-payment"]["status"] == "rjct"
    assert answers["s-payment"]["status_reason_code"] == "rjct.notify_types.invalid"
    assert answers["s-bad"]["status"] == "rjct"
    assert answers["s-bad"]["status_reason_code"] == "rjct.notify_details.invalid"
    assert "shoe_size" in answers["s-bad"]["status_reason_message"]
    codes = {
        ref: answers[ref]["subscriptions"][0]["code"] for ref in ("s-register", "s-deregister", "s-classify")
    }

    # The subscriber's callback goes down; the registry changes five times meanwhile.
    gw.receiver.down = True
    grandma = person(f"{tag}-G", date(1950, 3, 1), doc=dni(), given="Juana")
    kid = person(f"{tag}-K", date(2015, 1, 1), doc=dni(), given="Luz", relationship=Relationship.GRANDCHILD)
    newborn = person(
        f"{tag}-N", date(2025, 1, 1), doc=dni(), given="Sol", relationship=Relationship.GRANDCHILD
    )
    first = household(hid, [grandma, kid], CseLevel.POBRE)
    with_newborn = household(hid, [grandma, kid, newborn], CseLevel.POBRE)
    without_kid = household(hid, [grandma, newborn], CseLevel.POBRE)
    classified = household(hid, [grandma, newborn], CseLevel.POBRE_EXTREMO)
    gone = Household(**{**classified.model_dump(), "status": "deregistered"})  # type: ignore[arg-type]
    events = [
        registered(first),
        REGISTRY.envelope(MemberAdded(household_id=hid, household=with_newborn, person_id=newborn.person_id)),
        REGISTRY.envelope(MemberRemoved(household_id=hid, household=without_kid, person_id=kid.person_id,
                                        reason="Se mudó")),
        REGISTRY.envelope(HouseholdClassified(household_id=hid, household=classified,
                                              classification=classified.classification)),
        REGISTRY.envelope(HouseholdDeregistered(household_id=hid, household=gone, reason="Se mudó")),
    ]  # fmt: skip
    for event in events:
        await publish(kafka_bootstrap_servers, event)
    pool = gw.service.runtime.pool
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        queued = await pool.fetchval(
            "SELECT count(*) FROM callbacks WHERE action = 'notify' AND sender_id = $1 AND message->>'transaction_id' = ANY($2)",
            sender.sender_id,
            [e.id.hex for e in events],
        )
        if queued == 5:
            break
        await asyncio.sleep(0.2)
    assert queued == 5
    # Down long enough for several retries of each (backoff 0.2 s doubling up to 1 s).
    deadline = time.monotonic() + 40
    while gw.receiver.refused < 5 * 5 and time.monotonic() < deadline:
        await gw.receiver.wait_for(len(gw.receiver.bodies) + 1, timeout=0.5)
    assert gw.receiver.refused >= 5 * 5
    attempts = await pool.fetchval(
        "SELECT min(attempts) FROM callbacks WHERE action = 'notify' AND sender_id = $1", sender.sender_id
    )
    assert attempts >= 4
    gw.receiver.down = False

    notified = await wait_callbacks(gw, "notify", 5, timeout=30)
    by_id: dict[str, dict[str, Any]] = {}
    for body in notified:
        assert_callback_valid("notify", body)
        await assert_signed_by_gateway(gw, body)
        by_id.setdefault(body["header"]["message_id"], body)
    assert len(by_id) == 5
    seen = sorted(
        (
            body["message"]["notify_event"][0]["reference_id"],
            body["message"]["transaction_id"],
            tuple(
                sorted(
                    e["data"]["reg_records"]["name"]["given_name"] for e in body["message"]["notify_event"]
                )
            ),
        )
        for body in by_id.values()
    )
    expected = sorted([
        (codes["s-register"], events[0].id.hex, ("Juana", "Luz")),
        (codes["s-register"], events[1].id.hex, ("Sol",)),
        (codes["s-deregister"], events[2].id.hex, ("Luz",)),
        (codes["s-classify"], events[3].id.hex, ("Juana", "Sol")),
        (codes["s-deregister"], events[4].id.hex, ("Juana", "Sol")),
    ])  # fmt: skip
    assert seen == expected
    classify = next(b for b in by_id.values() if b["message"]["transaction_id"] == events[3].id.hex)
    event = classify["message"]["notify_event"][0]
    assert event["data"]["reg_event_type"] == "ns:chasqui:RegistryEventType:CLASSIFY"
    assert event["data"]["reg_records"]["cse"]["level"] == "POBRE_EXTREMO"
    # A retried notification keeps its message_id: the queue delivered each exactly once to the
    # receiver once it was up, after several refused attempts.
    rows = await pool.fetch(
        "SELECT message_id::text AS id, attempts, delivered_at FROM callbacks WHERE action = 'notify' AND sender_id = $1",
        sender.sender_id,
    )
    assert {r["id"] for r in rows} == set(by_id)
    assert all(r["delivered_at"] is not None and r["attempts"] >= 5 for r in rows)

    # Unsubscribe: the REGISTER subscription ends, a new member is not notified.
    unsubscribe = {
        "transaction_id": uuid.uuid4().hex[:20],
        "timestamp": datetime.now(UTC).isoformat(),
        "subscription_codes": [codes["s-register"], "SUB-UNKNOWN"],
        "sunscription_codes": [codes["s-register"], "SUB-UNKNOWN"],
    }
    await post_valid(gw, "/registry/unsubscribe", sender.envelope("unsubscribe", unsubscribe, total_count=1))
    [on_unsubscribe] = await wait_callbacks(gw, "on-unsubscribe", 1)
    assert_callback_valid("on-unsubscribe", on_unsubscribe)
    answer = on_unsubscribe["message"]
    assert answer["subscription_status"] == [{"code": codes["s-register"], "status": "unsubscribe"}]
    assert answer["status"] == "rjct"
    assert answer["status_reason_code"] == "rjct.subscription_code.invalid"
    other = f"HH-SUB-{tag}-2"
    await publish(
        kafka_bootstrap_servers,
        registered(household(other, [person(f"{tag}-X", date(1990, 1, 1), doc=dni())], CseLevel.POBRE)),
    )
    await gw.wait_projected({other})
    later = await pool.fetchval(
        "SELECT count(*) FROM callbacks WHERE action = 'notify' AND sender_id = $1", sender.sender_id
    )
    assert later == 5


async def test_a_sender_over_its_rate_is_refused_with_429(gateway: Gateway) -> None:
    limited = DciSender(f"pension65-{uuid.uuid4().hex[:6]}.gob.pe")
    response = await register_sender(gateway, limited, ["identifier"], requests_per_minute=3)
    assert response.status_code == 200, response.text
    assert response.json()["requests_per_minute"] == 3
    statuses = []
    for _ in range(7):
        body = limited.envelope("search", search_message({"query_type": "idtype-value",
                                                            "query": {"type": "UIN", "value": dni()}}))  # fmt: skip
        answer = await gateway.post("/registry/sync/search", body)  # both validated (429 as a problem)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            assert answer.json()["errors"][0]["code"] == "err.rate_limit.exceeded"
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses
    # Other senders are not affected.
    assert (
        await gateway.search({"query_type": "idtype-value", "query": {"type": "UIN", "value": dni()}})
    ).status_code == 200
