"""The main command, `chasqui-scenario run` (`make run`), end to end: real Kafka, PostgreSQL and five service processes.

Each test module gets its own platform — a fresh state folder (as on a fresh clone; only the
Kafka jars are reused from `.local/jars` when cached), its own Kafka, PostgreSQL and service
ports — so the shared local stack and the services other people run are never touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from chasqui_local.config import find_repo_root
from chasqui_local.processes import pid_alive, read_pid
from chasqui_local.services import SERVICE_NAMES
from chasqui_testing.ports import free_ports, free_service_port_base

CLI = Path(sys.executable).parent / "chasqui-local"
SCENARIO = Path(sys.executable).parent / "chasqui-scenario"
SERVICES = SERVICE_NAMES  # every service the dev runner starts

pytestmark = [
    pytest.mark.timeout(400),
    pytest.mark.skipif(
        not all((Path(sys.executable).parent / f"chasqui-{name}").exists() for name in SERVICES),
        reason="the five services are not installed (run `make setup`)",
    ),
]


class Platform:
    def __init__(self, state: Path, env: dict[str, str]) -> None:
        self.state = state
        self.env = env
        self.port_base = int(env["CHASQUI_SERVICE_PORT_BASE"])

    def cli(self, *args: str, timeout: float = 360, program: Path = CLI) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(program), *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def scenario(self, *args: str, timeout: float = 360) -> subprocess.CompletedProcess[str]:
        return self.cli(*args, timeout=timeout, program=SCENARIO)

    def log(self, service: str) -> Path:
        return self.state / "logs" / f"{service}.log"

    def service_pids(self) -> dict[str, int | None]:
        return {name: read_pid(self.state / "run" / f"{name}.pid") for name in SERVICES}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    state = tmp_path_factory.mktemp("platform") / "local"
    state.mkdir()
    root = find_repo_root()
    if root is not None:  # share the Kafka jars cache (fetched there once if it is still empty)
        cached = root / ".local" / "jars"
        cached.mkdir(parents=True, exist_ok=True)
        (state / "jars").symlink_to(cached, target_is_directory=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "DATABASE_ADMIN_URL", "AUTH_JWKS_FILE")
    }
    kafka, controller, postgres = free_ports(3)
    env.update(
        CHASQUI_LOCAL_DIR=str(state),
        CHASQUI_KAFKA_PORT=str(kafka),
        CHASQUI_KAFKA_CONTROLLER_PORT=str(controller),
        CHASQUI_PG_PORT=str(postgres),
        CHASQUI_SERVICE_PORT_BASE=str(free_service_port_base()),
        COLUMNS="120",
    )
    platform = Platform(state, env)
    try:
        yield platform
    finally:
        platform.cli("down", timeout=120)


def test_a_service_that_cannot_start_stops_the_command_naming_it_and_its_log(platform: Platform) -> None:
    employment_port = platform.port_base + 3
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", employment_port))
        squatter.listen()
        result = platform.scenario("run", "--households", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr
    assert f"employment-matching: port {employment_port} is in use" in message
    assert str(platform.log("employment-matching")) in message
    assert "Traceback" not in message
    # Nothing was left half-started: every port is checked before any service starts.
    assert not any(pid for pid in platform.service_pids().values()), platform.service_pids()


def test_run_plays_the_scenario_reports_it_and_down_stops_everything(platform: Platform) -> None:
    result = platform.scenario("run", "--households", "20", "--seed", "7", "--json")
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)
    totals = report["totals"]
    assert totals["households_registered"] == 20
    assert totals["people_registered"] > 20
    assert totals["eligible_decisions"] > 0
    assert totals["monthly_benefit_soles"] > 0
    assert totals["matches"] > 0
    assert totals["placements"] >= totals["formal_placements"] > 0
    assert totals["notifications_sent"] > 0
    assert totals["dead_letters"] == 0, report["dead_letters"]
    assert report["latency"]["households_measured"] > 0
    assert {p["attention_point"] for p in report["migracentros"] if p["cases_opened"]} >= {"ICA", "PURUCHUCO"}
    assert "Villa El Salvador (150142)" in report["households_by_district"]
    # Progress went to stderr while it ran; the platform is still up after the report.
    assert "ULE import" in result.stderr
    pids = platform.service_pids()
    assert all(pid is not None and pid_alive(pid) for pid in pids.values()), pids

    status = platform.cli("status", timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count("running (pid") == 2 + len(SERVICES)  # kafka, postgres and every service

    down = platform.cli("down", timeout=180)
    assert down.returncode == 0, down.stderr
    for name in (*SERVICES, "kafka", "postgres"):
        assert name in down.stdout
    assert not any(pid is not None and pid_alive(pid) for pid in pids.values())
    after = platform.cli("status", timeout=60)
    assert after.returncode == 1
    assert "running (pid" not in after.stdout
