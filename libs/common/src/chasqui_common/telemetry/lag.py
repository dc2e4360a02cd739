"""Consumer lag per group, topic and partition, read from the running Kafka consumers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from chasqui_common.telemetry import metrics

log = logging.getLogger(__name__)


class LagSource(Protocol):
    """A running consumer that knows its group and how far behind each assigned partition is
    (`chasqui_common.messaging.consumer.ConsumerRunner`)."""

    @property
    def group_id(self) -> str: ...

    async def lag(self) -> dict[Any, int]:
        """Records behind the end, per assigned TopicPartition."""
        ...


async def report_consumer_lag(consumers: Sequence[LagSource], *, interval: float = 10.0) -> None:
    """Every `interval` seconds set chasqui_consumer_lag = high watermark - position."""
    while True:
        for consumer in consumers:
            try:
                behind = await consumer.lag()
            except Exception as exc:  # a rebalance or a reconnect: measure again next time
                log.debug("lag of %s not measured: %s", consumer.group_id, exc)
                continue
            for tp, lag in behind.items():
                metrics.CONSUMER_LAG.labels(consumer.group_id, tp.topic, str(tp.partition)).set(lag)
        await asyncio.sleep(interval)
