"""Kafka delivery of callbacks: each sender's own topic (made sure of through the admin client)
and the producer that puts signed DCI messages on it as CloudEvents."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from datetime import datetime
from uuid import UUID

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from chasqui_common.envelope import Envelope
from chasqui_common.messaging.sink import ProducerSink

DAY_MS = 24 * 60 * 60 * 1000
NOTIFY_PARTITIONS = 3
NOTIFY_RETENTION_MS = 7 * DAY_MS
"""A week for the subscriber to read a message; the topic holds personal data, which is kept no
longer than needed (Ley 29733)."""

CE_SOURCE = "/chasqui/dci-gateway"
CE_TYPE_PREFIX = "pe.chasqui.dci."


class NotifyTopics:
    """Creates senders' notify topics that do not exist yet (idempotent; remembers the ones seen)."""

    def __init__(self, admin: AIOKafkaAdminClient) -> None:
        self._admin = admin
        self._known: set[str] = set()

    async def ensure(self, topic: str) -> None:
        """Make sure `topic` exists (3 partitions, a week's retention, 3 replicas on a cluster of
        3 brokers or more, else 1); raises KafkaError if the broker refuses."""
        if topic in self._known:
            return
        if topic not in set(await self._admin.list_topics()):
            cluster = await self._admin.describe_cluster()
            replicas = 3 if len(cluster["brokers"]) >= 3 else 1
            with contextlib.suppress(TopicAlreadyExistsError):
                await self._admin.create_topics(
                    [
                        NewTopic(
                            name=topic,
                            num_partitions=NOTIFY_PARTITIONS,
                            replication_factor=replicas,
                            topic_configs={"retention.ms": str(NOTIFY_RETENTION_MS)},
                        )
                    ]
                )
            for _ in range(50):  # until the new topic's metadata is out, a producer would block on it
                if topic in set(await self._admin.list_topics()):
                    break
                await asyncio.sleep(0.1)
        self._known.add(topic)


class KafkaCallbackTransport:
    """Publishes a signed DCI message on a sender's topic as a CloudEvent (binary content mode):
    `ce_id` is the message's `header.message_id` (the same on every retry, so the subscriber
    deduplicates by it), `ce_type` `pe.chasqui.dci.<action>`, `ce_subject` the subscription code
    (or correlation id) that also keys the record, the data the whole signed envelope."""

    def __init__(
        self, bootstrap_servers: str, topics: NotifyTopics, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._topics = topics
        self._sink = ProducerSink(
            bootstrap_servers, client_id="chasqui-dci-gateway-callbacks", ssl_context=ssl_context
        )

    async def start(self) -> None:
        await self._sink.start()

    async def close(self) -> None:
        await self._sink.stop()

    async def publish(
        self,
        topic: str,
        *,
        message_id: str,
        action: str,
        subject: str | None,
        envelope: dict[str, object],
        at: datetime,
    ) -> str | None:
        """Publish and wait for the broker's acknowledgement; what went wrong, or None."""
        event = Envelope(
            id=UUID(message_id),
            source=CE_SOURCE,
            type=CE_TYPE_PREFIX + action,
            subject=subject,
            time=at,
            data=envelope,
        )
        try:
            await self._topics.ensure(topic)
            future = await self._sink.send(
                topic,
                key=subject.encode() if subject else None,
                value=event.body(),
                headers=event.headers(),
            )
            await future
        except KafkaError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None
