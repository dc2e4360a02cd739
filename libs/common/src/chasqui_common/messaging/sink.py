"""Where published messages go: the Kafka producer, behind a small protocol."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)

from chasqui_common.kafka_security import PLAINTEXT, KafkaSecurity

log = logging.getLogger(__name__)

# Errors after which an idempotent producer's (producer id, sequence) state is out of step with the
# broker: batches that expired during a broker outage leave a gap in the sequence, and aiokafka
# keeps its producer id, so every later batch fails the same way. A new producer (new producer
# id) is the way out; the relay then re-sends its pending rows and the inboxes absorb repeats.
FATAL_TO_PRODUCER = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    ProducerFenced,
)


class MessageSink(Protocol):
    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        """Queue one message; the returned future resolves when the broker acknowledges it."""
        ...


class ProducerSink:
    """Sends through its own idempotent (acks=all) aiokafka producer.

    The sink of the outbox relay and of the dead letters. Record batches of up to
    `max_batch_size` bytes per partition (aiokafka's default is 16 KiB, about ten events): the
    relay hands over thousands of events at once, and fewer, larger batches cost less CPU in
    the producer and the broker. Start before use, stop after. `security` is how it
    authenticates (chasqui_common.kafka_security; PLAINTEXT by default), e.g.
    `settings.kafka_security()` in a service.
    """

    def __init__(
        self,
        bootstrap_servers: str | list[str],
        *,
        client_id: str | None = None,
        security: KafkaSecurity = PLAINTEXT,
        ssl_context: ssl.SSLContext | None = None,
        max_batch_size: int = 256 * 1024,
        **config: Any,
    ) -> None:
        options = security.client_options()
        if ssl_context is not None and not security.uses_tls:
            # Callers written before `security` pass a TLS context alone: mutual TLS, as before.
            options.update(security_protocol="SSL", ssl_context=ssl_context)
        self._config: dict[str, Any] = dict(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            max_batch_size=max_batch_size,
            **options,
            **config,
        )
        self._producer = AIOKafkaProducer(**self._config)
        self._broken: BaseException | None = None
        self._lock = asyncio.Lock()
        self.restarts = 0

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        if self._broken is not None:
            await self._renew()
        future: asyncio.Future[Any] = await self._producer.send(
            topic, value, key=key, headers=[(name, text.encode()) for name, text in headers.items()]
        )
        future.add_done_callback(self._watch)
        return future

    def _watch(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if isinstance(error, FATAL_TO_PRODUCER) and self._broken is None:
            self._broken = error

    async def _renew(self) -> None:
        """Replace a producer whose idempotence state the broker no longer accepts."""
        async with self._lock:
            if self._broken is None:
                return
            cause, old = self._broken, self._producer
            log.warning("producer %s: %s; starting a new producer", self._config.get("client_id"), cause)
            self._producer = AIOKafkaProducer(**self._config)
            await self._producer.start()
            self._broken = None
            self.restarts += 1
        try:
            await asyncio.wait_for(old.stop(), timeout=5)
        except Exception as exc:  # the old producer is broken already; nothing is waiting on it
            log.warning("stopping the replaced producer failed: %s", exc)
