"""A subscriber taking registry changes as CloudEvents on a Kafka topic of its own, on the real
broker and database: the topic is created with the sender; a subscribe message whose
`header.sender_uri` names it is answered there (`on-subscribe`), and the notifications of its
subscriptions follow, from the same durable queue with the same filters, entitled fields and
message ids as HTTP callbacks. Every message is validated against the vendored spdci document."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.envelope import Envelope
from chasqui_common.events.registry import CseLevel, MemberAdded

from .conftest import REGISTRY, DciSender, Gateway, publish, registered
from .test_dci_search import assert_signed_by_gateway, dni, household, person
from .test_dci_subscriptions import assert_callback_valid, post_valid, subscription


async def wait_for_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        while topic not in set(await admin.list_topics()):
            assert time.monotonic() < deadline, f"topic {topic} not created in {timeout}s"
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


class TopicReader:
    """The subscriber's side: reads its topic from the start, parses each CloudEvent."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.events: list[Envelope] = []
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"juntos-test-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
        )

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def wait_for(self, count: int, timeout: float = 30.0) -> list[Envelope]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            batches = await self._consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    self.events.append(Envelope.from_kafka(record.headers, record.value))
        return self.events


async def test_a_subscriber_takes_its_notifications_as_cloudevents_on_its_own_topic(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    gw = gateway
    tag = uuid.uuid4().hex[:8]
    sender = DciSender(f"contigo-{tag}.gob.pe")
    async with gw.service.client("dci:admin") as admin:
        registration = await admin.put(
            f"/v1/dci/senders/{sender.sender_id}",
            json={
                "name": "Programa Contigo",
                "token_subject": "test-client",
                "jwks": {"keys": [sender.jwk()]},
                "callback_uris": [],
                "entitled_fields": ["identifier", "name", "household_identifier"],
                "kafka_delivery": True,
            },
        )
    assert registration.status_code == 200, registration.text
    topic = f"dci-gateway.notify.{sender.sender_id}"
    assert registration.json()["notify_topic"] == topic
    await wait_for_topic(kafka_bootstrap_servers, topic)  # created with the sender, before any message
    reader = TopicReader(kafka_bootstrap_servers, topic)
    await reader.start()
    try:
        ours = f"HH-KAF-{tag}-A"
        selects_ours = [{"seq_num": 1, "expression1": {"attribute_name": "household_identifier",
                                                       "operator": "eq", "attribute_value": ours}}]  # fmt: skip
        message = {
            "transaction_id": uuid.uuid4().hex[:20],
            "subscribe_request": [subscription("k-register", "REGISTER", selects_ours)],
        }
        kafka_uri = f"kafka:{topic}"
        ack = await post_valid(
            gw,
            "/registry/subscribe",
            sender.envelope("subscribe", message, total_count=1, sender_uri=kafka_uri),
        )
        [answer] = await reader.wait_for(1)
        assert answer.type == "pe.chasqui.dci.on-subscribe"
        assert_callback_valid("on-subscribe", answer.data)
        await assert_signed_by_gateway(gw, answer.data)
        assert answer.data["message"]["correlation_id"] == ack["message"]["correlation_id"]
        [item] = answer.data["message"]["subscribe_response"]
        assert item["status"] == "succ", item
        code = item["subscriptions"][0]["code"]

        grandma = person(f"{tag}-G", date(1950, 3, 1), doc=dni(), given="Juana")
        other = person(f"{tag}-O", date(1980, 3, 1), doc=dni(), given="Otra")
        newborn = person(f"{tag}-N", date(2025, 1, 1), doc=dni(), given="Sol")
        first = registered(household(ours, [grandma], CseLevel.POBRE))
        not_ours = registered(household(f"HH-KAF-{tag}-B", [other], CseLevel.POBRE))
        added = REGISTRY.envelope(
            MemberAdded(household_id=ours, household=household(ours, [grandma, newborn], CseLevel.POBRE),
                        person_id=newborn.person_id)
        )  # fmt: skip
        await publish(kafka_bootstrap_servers, first, not_ours, added)

        events = await reader.wait_for(3, timeout=120)  # after the consumer has read the shared topic
        notifications = [e for e in events if e.type == "pe.chasqui.dci.notify"]
        assert len(notifications) == 2, [e.type for e in events]
        for event in notifications:
            body = event.data
            assert_callback_valid("notify", body)
            await assert_signed_by_gateway(gw, body)
            assert str(event.id) == body["header"]["message_id"]  # the subscriber deduplicates by it
            assert event.subject == code
            assert event.source == "/chasqui/dci-gateway"
            for notified in body["message"]["notify_event"]:
                assert notified["reference_id"] == code
                record = notified["data"]["reg_records"]
                # Only the entitled fields, exactly as over HTTP.
                assert set(record) == {"@context", "@type", "identifier", "name", "household_identifier",
                                       "registration_date", "last_updated"}  # fmt: skip
        assert [
            (e.data["message"]["transaction_id"],
             sorted(n["data"]["reg_records"]["name"]["given_name"] for n in e.data["message"]["notify_event"]))
            for e in notifications
        ] == [(first.id.hex, ["Juana"]), (added.id.hex, ["Sol"])]  # fmt: skip

        # At least once: a notification published again (as after a lost broker acknowledgement)
        # carries the same message id, so the subscriber keeps one.
        pool = gw.service.runtime.pool

        async def all_delivered() -> list[Any]:
            deadline = time.monotonic() + 15  # the broker's acknowledgement is recorded just after
            while True:
                rows = await pool.fetch(
                    "SELECT uri, delivered_at FROM callbacks WHERE sender_id = $1", sender.sender_id
                )
                if all(r["delivered_at"] is not None for r in rows) or time.monotonic() > deadline:
                    return list(rows)
                await asyncio.sleep(0.2)

        # Only once its first delivery is recorded: reset earlier, the recording would undo the reset.
        assert all(r["delivered_at"] is not None for r in await all_delivered())
        again = await pool.fetchval(
            "UPDATE callbacks SET delivered_at = NULL, next_attempt_at = now() "
            "WHERE message->>'transaction_id' = $1 AND sender_id = $2 RETURNING message_id::text",
            first.id.hex,
            sender.sender_id,
        )
        events = await reader.wait_for(4)
        assert len(events) == 4
        assert str(events[-1].id) == again == str(notifications[0].id)
        assert len({str(e.id) for e in events}) == 3
        rows = await all_delivered()
        assert {r["uri"] for r in rows} == {kafka_uri}
        assert all(r["delivered_at"] is not None for r in rows)
        logged = await pool.fetch(
            "SELECT person_ids FROM access_log WHERE sender_id = $1 AND action = 'notify' ORDER BY id",
            sender.sender_id,
        )
        assert [r["person_ids"] for r in logged] == [[grandma.person_id], [newborn.person_id]]
    finally:
        await reader.stop()


async def test_a_topic_is_only_its_own_senders(gateway: Gateway) -> None:
    """Another sender's topic, or a topic for a sender registered without Kafka delivery, is a
    foreign callback URI: err.sender_uri.invalid."""
    gw = gateway
    http_only = gw.sender  # registered with callback URIs only
    message = {"transaction_id": uuid.uuid4().hex[:20],
               "subscribe_request": [subscription("k-1", "REGISTER", [{"seq_num": 1, "expression1": {
                   "attribute_name": "household_identifier", "operator": "eq", "attribute_value": "HH-X"}}])]}  # fmt: skip
    for uri in (f"kafka:dci-gateway.notify.{http_only.sender_id}", "kafka:registry.households"):
        refused = await gw.post(
            "/registry/subscribe", http_only.envelope("subscribe", message, total_count=1, sender_uri=uri)
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["errors"][0]["code"] == "err.sender_uri.invalid"
    # A sender whose id cannot name a topic cannot ask for Kafka delivery.
    odd = DciSender("juntos gob pe")
    async with gw.service.client("dci:admin") as admin:
        bad = await admin.put(
            "/v1/dci/senders/juntos gob pe",
            json={"name": "x", "jwks": {"keys": [odd.jwk()]}, "entitled_fields": ["identifier"],
                  "kafka_delivery": True},
        )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "kafka_delivery"
    assert bad.json()["errors"][0]["value"] == "juntos gob pe"
