"""Where published messages go: the Kafka producer, behind a small protocol."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from faststream.kafka import KafkaBroker


class MessageSink(Protocol):
    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        """Queue one message; the returned future resolves when the broker acknowledges it."""
        ...


class BrokerSink:
    """Sends through a FastStream KafkaBroker's producer (idempotent, acks=all)."""

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def send(
        self, topic: str, *, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await self._broker.publish(
            value, topic, key=key, headers=headers, no_confirm=True
        )
        return future
