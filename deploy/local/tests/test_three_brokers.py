"""`chasqui-local start --brokers 3`: a KRaft cluster of three nodes survives the loss of a leader.

Starts its own three nodes in a temporary state folder on free ports (only the Kafka jars are
shared with `.local/jars`), so the shared stack is never touched. Slow: three JVMs start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from chasqui_common.topics import Topic, ensure_topics
from chasqui_local import kafka
from chasqui_local.config import LocalConfig, find_repo_root
from chasqui_local.kafka import KafkaProcess
from chasqui_testing.ports import free_block

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _free_pair() -> int:
    """A port N such that N .. N+5 are free (three nodes: broker N+2i, controller N+2i+1)."""
    return free_block(range(6))


@pytest_asyncio.fixture(loop_scope="session")
async def cluster(tmp_path: Path) -> AsyncIterator[list[KafkaProcess]]:
    state = tmp_path / "local"
    state.mkdir()
    root = find_repo_root()
    if root is not None:  # reuse the jar cache
        cached = root / ".local" / "jars"
        cached.mkdir(parents=True, exist_ok=True)
        (state / "jars").symlink_to(cached, target_is_directory=True)
    base = _free_pair()
    env = {**os.environ, "CHASQUI_LOCAL_DIR": str(state)}
    config = replace(
        LocalConfig.from_env(env), kafka_port=base, kafka_controller_port=base + 1, kafka_brokers=3
    )
    nodes = kafka.nodes(config)
    jars = await asyncio.to_thread(kafka.fetch_jars, config, lambda _m: None)
    cluster_id = await asyncio.to_thread(kafka.shared_cluster_id, config, jars)
    try:
        for node in nodes:
            await asyncio.to_thread(node.preflight)
        for node in nodes:
            await asyncio.to_thread(node.prepare, lambda _m: None, cluster=cluster_id)
            node.launch(jars)
        await asyncio.gather(*(node.wait_ready(node.pid() or 0) for node in nodes))
        await kafka.wait_for_brokers(config)
        yield nodes
    finally:
        for node in nodes:
            await asyncio.to_thread(node.stop)


async def _leader(bootstrap: str, topic: str, partition: int) -> tuple[int, list[int]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        for p in described["partitions"]:
            if p["partition"] == partition:
                return int(p["leader"]), [int(r) for r in p["isr"]]
    finally:
        await admin.close()
    raise AssertionError(f"{topic}[{partition}] not described")


async def _topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        resources = response.resources
        return {str(entry[0]): str(entry[1]) for entry in resources[0][4]}
    finally:
        await admin.close()


async def test_a_three_node_cluster_keeps_producing_and_consuming_when_a_leader_is_killed(
    cluster: list[KafkaProcess],
) -> None:
    config = cluster[0].config
    bootstrap = config.kafka_bootstrap_servers
    topic = Topic("chaos.three-brokers", "test", "key", "three-broker test", False, partitions=3)
    created = await ensure_topics(bootstrap, [topic], with_dlq=False)
    assert created == [topic.name]
    settings = await _topic_config(bootstrap, topic.name)
    assert settings["min.insync.replicas"] == "2"  # the brokers' default for every topic
    leader, isr = await _leader(bootstrap, topic.name, 0)
    assert sorted(isr) == [1, 2, 3]  # replication factor 3, all in sync

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(topic.name, f"before-{i}".encode(), partition=0)
        victim = next(node for node in cluster if node.node.node_id == leader)
        pid = victim.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        # acks=all with min.insync.replicas=2: the two survivors take every write once a new
        # leader is elected (the producer retries through the election).
        for i in range(20):
            await asyncio.wait_for(
                producer.send_and_wait(topic.name, f"after-{i}".encode(), partition=0), timeout=60
            )
        failover_s = time.monotonic() - killed_at
    finally:
        await producer.stop()
    new_leader, new_isr = await _leader(bootstrap, topic.name, 0)
    assert new_leader != leader
    assert leader not in new_isr
    assert len(new_isr) == 2

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition = TopicPartition(topic.name, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while len(seen) < 40 and time.monotonic() < deadline:
            batch = await consumer.getmany(partition, timeout_ms=1000)
            seen.extend(r.value.decode() for r in batch.get(partition, []) if r.value is not None)
    finally:
        await consumer.stop()
    # Nothing lost, nothing twice, in order, across the failover.
    assert seen == [f"before-{i}" for i in range(20)] + [f"after-{i}" for i in range(20)]
    assert failover_s < 60

    # The killed node comes back and catches up into the in-sync set.
    jars = await asyncio.to_thread(kafka.fetch_jars, config, lambda _m: None)
    pid = victim.launch(jars)
    await victim.wait_ready(pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, isr = await _leader(bootstrap, topic.name, 0)
        if sorted(isr) == [1, 2, 3]:
            break
        await asyncio.sleep(1)
    assert sorted(isr) == [1, 2, 3]
