"""A producer whose idempotence state the broker refuses is replaced, and sending goes on (real broker)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import OutOfOrderSequenceNumber
from chasqui_common.messaging.sink import ProducerSink
from chasqui_local.pytest_plugin import MakeTopic
from chasqui_testing import collect_records


async def test_an_out_of_order_sequence_error_renews_the_producer(
    kafka_bootstrap_servers: str, unique_topic: MakeTopic
) -> None:
    topic = unique_topic("sink-renewal", partitions=1)
    sink = ProducerSink(kafka_bootstrap_servers, client_id="test-sink-renewal")
    await sink.start()
    try:
        first = await sink.send(topic, key=b"k", value=b"1", headers={})
        await first
        # What a broker outage leaves behind: a batch failed with a sequence gap.
        failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failed.add_done_callback(sink._watch)
        failed.set_exception(OutOfOrderSequenceNumber())
        await asyncio.sleep(0)
        second = await sink.send(topic, key=b"k", value=b"2", headers={})
        await second
        assert sink.restarts == 1
        records = await collect_records(kafka_bootstrap_servers, topic, count=2, timeout=20)
        assert [r.value for r in records] == [b"1", b"2"]
    finally:
        await sink.stop()
