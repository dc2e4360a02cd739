"""Start failures name their cause: which port and component, which Java and what is needed."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from chasqui_local import cli, stack
from chasqui_local.config import LocalConfig, find_repo_root
from chasqui_local.errors import (
    JarFetchError,
    JavaNotFoundError,
    JavaTooOldError,
    MavenNotFoundError,
    PortInUseError,
    ProcessCrashedError,
)
from chasqui_local.kafka import (
    KafkaProcess,
    fetch_jars,
    kafka_version,
    log4j2_xml,
    parse_java_major,
    server_properties,
)
from chasqui_testing.ports import free_port


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A separate state dir and free ports, so the shared stack is never touched."""
    monkeypatch.setenv("CHASQUI_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("CHASQUI_KAFKA_PORT", str(free_port()))
    monkeypatch.setenv("CHASQUI_KAFKA_CONTROLLER_PORT", str(free_port()))
    monkeypatch.setenv("CHASQUI_PG_PORT", str(free_port()))
    return tmp_path


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _fake_java(directory: Path, version_line: str) -> Path:
    script = directory / "java"
    script.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


async def test_postgres_port_held_by_another_process_is_named(
    isolated_env: Path, occupied_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHASQUI_PG_PORT", str(occupied_port))
    with pytest.raises(PortInUseError) as caught:
        await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)
    message = str(caught.value)
    assert f"port {occupied_port}" in message
    assert "PostgreSQL" in message
    assert "not by this stack" in message
    assert not (isolated_env / "local" / "kafka" / "kafka.pid").exists()


async def test_kafka_port_bound_but_not_listening_is_named(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        monkeypatch.setenv("CHASQUI_KAFKA_PORT", str(port))
        with pytest.raises(PortInUseError, match=rf"port {port} \(Kafka broker\)"):
            await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)


async def test_java_11_is_rejected_with_17_plus_needed(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java = _fake_java(isolated_env, 'openjdk version "11.0.2" 2019-01-15')
    monkeypatch.setenv("CHASQUI_JAVA", str(java))
    with pytest.raises(JavaTooOldError) as caught:
        await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)
    assert "Java 11" in str(caught.value)
    assert "17+" in str(caught.value)


async def test_missing_java_is_named(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHASQUI_JAVA", str(isolated_env / "no-such-java"))
    with pytest.raises(JavaNotFoundError, match=r"install Java 17\+"):
        await stack.ensure_running(LocalConfig.from_env(), progress=lambda message: None)


def test_cli_prints_the_error_without_traceback_and_exits_1(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHASQUI_JAVA", str(_fake_java(isolated_env, 'java version "1.8.0_292"')))
    assert cli.main(["start"]) == 1
    err = capsys.readouterr().err
    assert "Java 8" in err
    assert "17+" in err
    assert "Traceback" not in err


def test_status_of_a_stack_never_started_exits_1(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status"]) == 1
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "not running" in lines["kafka"]
    assert "not running" in lines["postgres"]


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ("garbage", None),
    ],
)
def test_java_version_parsing(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


async def test_broker_that_exits_during_startup_is_reported_with_its_log(
    isolated_env: Path,
) -> None:
    root = find_repo_root()
    config = LocalConfig.from_env()
    cached = (root / ".local" / "jars") if root else None
    version = kafka_version(config.pom_path)
    if cached is None or not (cached / f"kafka-{version}" / ".complete").is_file():
        pytest.skip("Kafka jars not cached yet in .local/jars (run `chasqui-local start` once)")
    broker = KafkaProcess(config)
    broker.paths.root.mkdir(parents=True)
    broker.paths.log4j.write_text(log4j2_xml(broker.paths.log))
    # Unformatted storage: the broker refuses to start and exits.
    broker.paths.properties.write_text(server_properties(config, broker.paths.data))
    pid = broker.launch(cached / f"kafka-{version}")
    with pytest.raises(ProcessCrashedError) as caught:
        await broker.wait_ready(pid, timeout_s=60)
    message = str(caught.value)
    assert "Kafka exited during startup" in message
    assert str(broker.paths.log) in message
    assert "meta.properties" in message


def test_cached_jars_are_reused_without_maven(tmp_path: Path) -> None:
    config = LocalConfig(state_dir=tmp_path, mvn=None)
    cached = tmp_path / "jars" / f"kafka-{kafka_version(config.pom_path)}"
    cached.mkdir(parents=True)
    (cached / ".complete").write_text("cached\n")
    assert fetch_jars(config, progress=lambda message: None) == cached


def test_missing_maven_is_named_when_jars_are_not_cached(tmp_path: Path) -> None:
    with pytest.raises(MavenNotFoundError, match="mvn not found on PATH"):
        fetch_jars(LocalConfig(state_dir=tmp_path, mvn=None), progress=lambda message: None)


def test_failed_jar_fetch_names_the_maven_log(tmp_path: Path) -> None:
    mvn = tmp_path / "mvn"
    mvn.write_text("#!/bin/sh\necho 'Could not transfer artifact: Network is unreachable'\nexit 1\n")
    mvn.chmod(0o755)
    with pytest.raises(JarFetchError) as caught:
        fetch_jars(LocalConfig(state_dir=tmp_path, mvn=str(mvn)), progress=lambda message: None)
    message = str(caught.value)
    assert str(tmp_path / "jars" / "mvn-kafka-") in message
    assert "Network is unreachable" in message
