"""Chaos scenarios that need more than one process per service, or a database link that hangs.

All slow (`make chaos`): a private platform whose services reach PostgreSQL through a proxy that
can stop answering (chasqui_testing.proxy), and extra replicas of a service started next to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .harness import ChaosPlatform, installed
from .test_chaos import private_platform, run_scenario

HANG_S = float(os.environ.get("CHASQUI_CHAOS_PG_HANG_S", "30"))

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not installed(), reason="the services are not installed (run `make setup`)"),
]


@pytest.fixture(scope="module")
def proxied_platform() -> Iterator[ChaosPlatform]:
    with private_platform(proxied=True) as platform:
        yield platform


def test_postgres_connections_hanging_for_30_seconds(proxied_platform: ChaosPlatform) -> None:
    """Every service's connections stop answering (open sockets, no bytes) and come back: statement,
    connect and acquire timeouts turn the hang into environment failures, consumers pause instead of
    dead-lettering, and nothing is lost or applied twice."""
    run_scenario(
        proxied_platform,
        f"PostgreSQL connections hanging {HANG_S:.0f} s (TCP proxy stops answering)",
        fault=lambda p: p.freeze_database_link(),
        recover=lambda p: p.thaw_database_link(),
        fault_for_s=HANG_S,
    )


def test_a_consumer_group_of_three_replicas_one_sigkilled_mid_batch(proxied_platform: ChaosPlatform) -> None:
    """Eligibility runs as three processes sharing its consumer groups; one is SIGKILLed while the
    import's events stream in: its partitions move to the other two, its uncommitted batch is read
    again, and the inbox makes the repeat a no-op."""
    proxied_platform.start_replica("eligibility", 1)
    proxied_platform.start_replica("eligibility", 2)
    try:
        run_scenario(
            proxied_platform,
            "consumer group of 3 eligibility replicas, one SIGKILLed mid-batch",
            fault=lambda p: p.kill_service("eligibility"),
            recover=lambda p: p.start_service("eligibility"),
            fault_for_s=2,
        )
    finally:
        proxied_platform.kill_replica("eligibility", 1)
        proxied_platform.kill_replica("eligibility", 2)


def test_the_relay_lock_session_terminated_while_a_second_replica_runs(
    proxied_platform: ChaosPlatform,
) -> None:
    """The registry's relay lock session is terminated by the database (`pg_terminate_backend`, as a
    failover or an idle-session timeout would) while a second registry process waits for the lock:
    one relay publishes at a time and every outbox row still reaches the topic."""
    proxied_platform.start_replica("registry", 1)
    terminated: list[int] = []
    try:
        run_scenario(
            proxied_platform,
            "relay lock session terminated, a second registry replica running",
            fault=lambda p: terminated.append(p.terminate_relay_lock_session("registry")),
            recover=lambda p: None,
        )
    finally:
        proxied_platform.kill_replica("registry", 1)
    assert len(terminated) == 1
