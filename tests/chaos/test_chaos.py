"""Chaos scenarios: a fault injected while the platform works, then the checker (checker.py).

`make chaos` runs them all (`pytest -m chaos`, 10,000 households); the two marked only `chaos`
(a service SIGKILLed mid-stream, PostgreSQL stopped for 30 s) are also in the default run, so
`make test` and CI play them, with a smaller import (CHASQUI_CHAOS_HOUSEHOLDS, default 150).
Each row is printed as `[chaos result] {...}` and appended to CHASQUI_CHAOS_RESULTS if set.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .harness import SERVICE_NAMES, ChaosPlatform, installed, service_ready
from .scenarios import Fault, play

HOUSEHOLDS = int(os.environ.get("CHASQUI_CHAOS_HOUSEHOLDS", "150"))
POSTGRES_DOWN_S = float(os.environ.get("CHASQUI_CHAOS_PG_DOWN_S", "30"))
KAFKA_DOWN_S = float(os.environ.get("CHASQUI_CHAOS_KAFKA_DOWN_S", "60"))
SETTLE_TIMEOUT_S = float(os.environ.get("CHASQUI_CHAOS_SETTLE_TIMEOUT_S", "300"))

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not installed(), reason="the five services are not installed (run `make setup`)"),
]
_runs = itertools.count(1)


@contextmanager
def private_platform(brokers: int = 1, *, proxied: bool = False) -> Iterator[ChaosPlatform]:
    # Not under pytest's tmp folder: another pytest session resets its modes to 0700, and
    # PostgreSQL, which runs as its own system user when we are root, would lose its data folder.
    state = Path(tempfile.mkdtemp(prefix="chasqui-chaos-"))
    state.chmod(0o755)
    platform = ChaosPlatform(state / "local", brokers=brokers, proxied=proxied)
    try:
        platform.up()
        yield platform
    finally:
        platform.down()
        if not os.environ.get("CHASQUI_CHAOS_KEEP"):
            shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def chaos_platform() -> Iterator[ChaosPlatform]:
    with private_platform() as platform:
        yield platform


def run_scenario(
    platform: ChaosPlatform, name: str, *, fault: Fault, recover: Fault, fault_for_s: float = 0.0
) -> None:
    outcome, findings = asyncio.run(
        play(
            platform,
            name,
            run=next(_runs),
            households=HOUSEHOLDS,
            fault=fault,
            recover=recover,
            fault_for_s=fault_for_s,
            settle_timeout=SETTLE_TIMEOUT_S,
        )
    )
    findings.assert_clean()
    assert outcome.lost == 0
    assert outcome.duplicated_effects == 0
    assert outcome.dead_letters == 0
    assert outcome.order_violations == 0


def test_sigkill_of_notifications_mid_stream_loses_and_repeats_nothing(chaos_platform: ChaosPlatform) -> None:
    run_scenario(
        chaos_platform,
        "SIGKILL notifications mid-stream, restarted",
        fault=lambda p: p.kill_service("notifications"),
        recover=lambda p: p.start_service("notifications"),
        fault_for_s=2,
    )


def test_postgres_stopped_for_30_seconds_dead_letters_nothing(chaos_platform: ChaosPlatform) -> None:
    run_scenario(
        chaos_platform,
        f"PostgreSQL stopped {POSTGRES_DOWN_S:.0f} s, then started",
        fault=lambda p: p.stop_postgres(),
        recover=lambda p: p.start_postgres(),
        fault_for_s=POSTGRES_DOWN_S,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "service",
    [
        "registry",
        "eligibility",
        "employment-matching",
        "migrant-services",
        "dci-gateway",
        "citizen-attention",
    ],
)
def test_sigkill_of_each_service_mid_stream(chaos_platform: ChaosPlatform, service: str) -> None:
    run_scenario(
        chaos_platform,
        f"SIGKILL {service} mid-stream, restarted",
        fault=lambda p: p.kill_service(service),
        recover=lambda p: p.start_service(service),
        fault_for_s=2,
    )


@pytest.mark.slow
def test_rolling_restart_of_every_service_under_load(chaos_platform: ChaosPlatform) -> None:
    def roll(platform: ChaosPlatform) -> None:
        for name in SERVICE_NAMES:
            platform.restart_service(name)

    run_scenario(chaos_platform, "rolling restart of every service", fault=roll, recover=lambda p: None)


@pytest.mark.slow
def test_kafka_down_for_60_seconds_while_the_apis_take_writes(chaos_platform: ChaosPlatform) -> None:
    not_ready: list[str] = []

    def outage(platform: ChaosPlatform) -> None:
        platform.stop_kafka()
        deadline = time.monotonic() + KAFKA_DOWN_S
        while time.monotonic() < deadline:
            for name in ("registry", "migrant-services", "employment-matching"):
                if not service_ready(platform.config, name):
                    not_ready.append(name)
            time.sleep(2)

    run_scenario(
        chaos_platform,
        f"Kafka down {KAFKA_DOWN_S:.0f} s while the APIs take writes",
        fault=outage,
        recover=lambda p: p.start_kafka(),
    )
    assert not not_ready, f"not ready while Kafka was down: {sorted(set(not_ready))}"
