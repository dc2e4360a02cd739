"""The partition leader broker of a three-node cluster SIGKILLed under load (its own platform)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from .harness import ChaosPlatform, installed
from .test_chaos import private_platform, run_scenario

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not installed(), reason="the services are not installed (run `make setup`)"),
]


@pytest.fixture(scope="module")
def cluster_platform() -> Iterator[ChaosPlatform]:
    with private_platform(brokers=3) as platform:
        yield platform


@pytest.mark.slow
def test_sigkill_of_a_partition_leader_broker(cluster_platform: ChaosPlatform) -> None:
    killed: list[int] = []

    def kill_leader(platform: ChaosPlatform) -> None:
        leader = asyncio.run(_leader_of(platform.bootstrap, "registry.households", 0))
        killed.append(leader)
        platform.kill_broker(leader)

    run_scenario(
        cluster_platform,
        "SIGKILL of the partition leader broker (3 nodes), restarted",
        fault=kill_leader,
        recover=lambda p: p.start_broker(killed[0]),
        fault_for_s=10,
    )


async def _leader_of(bootstrap: str, topic: str, partition: int) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return next(int(p["leader"]) for p in described["partitions"] if p["partition"] == partition)
    finally:
        await admin.close()
