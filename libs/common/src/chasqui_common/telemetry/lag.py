"""Consumer lag per group, topic and partition, read from the running Kafka consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from chasqui_common.telemetry import metrics

log = logging.getLogger(__name__)


async def report_consumer_lag(subscribers: list[Any], *, interval: float = 10.0) -> None:
    """Every `interval` seconds set chasqui_consumer_lag = high watermark - position."""
    while True:
        for subscriber in subscribers:
            consumer = getattr(subscriber, "consumer", None)
            group = getattr(consumer, "_group_id", None) if consumer is not None else None
            if consumer is None or group is None:
                continue
            with contextlib.suppress(Exception):
                for tp in consumer.assignment():
                    highwater = consumer.highwater(tp)
                    if highwater is None:
                        continue
                    position = await consumer.position(tp)
                    metrics.CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(
                        max(0, highwater - position)
                    )
        await asyncio.sleep(interval)
