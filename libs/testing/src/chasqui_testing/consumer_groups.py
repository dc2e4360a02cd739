"""Start a service's consumer groups at the end of their topics, for tests that need none of the
history a shared broker holds.

A test's service gets consumer groups of its own (the schema as suffix), which would otherwise
read every topic from its start: on a broker that earlier tests and `make run` filled, that is
thousands of events to go through before the test's own. Committing the current end offsets first
makes the service see only what is published after.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from chasqui_common.topics import ensure_topics


async def pin_groups_at_end(definition: Any, bootstrap: str, suffix: str) -> None:
    """Commit the topics' current end offsets for each consumer group `definition` (a
    ServiceDefinition) will use with `suffix` (`running_service` uses `-<schema>`)."""
    for consumer in definition.consumers:
        topics = list(consumer.topics)
        if not topics:
            continue
        await ensure_topics(bootstrap, topics)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics([t.name for t in topics])
        finally:
            await admin.close()
        partitions = [
            TopicPartition(d["topic"], p["partition"]) for d in described for p in d.get("partitions", [])
        ]
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=consumer.name + suffix, enable_auto_commit=False
        )
        await reader.start()
        try:
            reader.assign(partitions)
            ends = await reader.end_offsets(partitions)
            await reader.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
        finally:
            await reader.stop()
