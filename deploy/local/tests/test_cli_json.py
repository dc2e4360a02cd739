"""`chasqui-local start/stop/status --json`: what `chasqui stack …` printed before the operator CLI
left the local stack to `chasqui-local`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chasqui_local import cli
from chasqui_testing.ports import free_port, free_service_port_base


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A separate state dir and free ports, so the shared stack is never touched."""
    monkeypatch.setenv("CHASQUI_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("CHASQUI_KAFKA_PORT", str(free_port()))
    monkeypatch.setenv("CHASQUI_KAFKA_CONTROLLER_PORT", str(free_port()))
    monkeypatch.setenv("CHASQUI_PG_PORT", str(free_port()))
    monkeypatch.setenv("CHASQUI_SERVICE_PORT_BASE", str(free_service_port_base()))
    return tmp_path


def test_status_json_reports_the_components(infrastructure: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["status", "--json"])
    if infrastructure.source != "local":
        return  # the broker and database came from elsewhere: the local stack may be down
    assert code == 0
    components = {c["name"]: c["running"] for c in json.loads(capsys.readouterr().out)}
    assert {name: components[name] for name in ("kafka", "postgres")} == {"kafka": True, "postgres": True}


def test_status_and_stop_json_of_a_stack_never_started(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert {row["name"]: row["running"] for row in rows if row["name"] in ("kafka", "postgres")} == {
        "kafka": False,
        "postgres": False,
    }
    assert all({"name", "running", "pid", "port", "log"} <= set(row) for row in rows)
    assert cli.main(["stop", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"stopped": []}
