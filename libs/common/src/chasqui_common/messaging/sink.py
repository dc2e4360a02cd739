"""Where published messages go: the Kafka producer, behind a small protocol."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer


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
    the producer and the broker. Start before use, stop after.
    """

    def __init__(
        self,
        bootstrap_servers: str | list[str],
        *,
        client_id: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_batch_size: int = 256 * 1024,
        **config: Any,
    ) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            security_protocol="SSL" if ssl_context is not None else "PLAINTEXT",
            ssl_context=ssl_context,
            max_batch_size=max_batch_size,
            **config,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await self._producer.send(
            topic, value, key=key, headers=[(name, text.encode()) for name, text in headers.items()]
        )
        return future
