"""Where the local stack keeps its state, which ports it uses and which Java it runs."""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_KAFKA_PORT = 19092
DEFAULT_KAFKA_CONTROLLER_PORT = 19093
DEFAULT_PG_PORT = 15432
# The services listen on base + 1 (registry) ... base + 5 (notifications): 8001-8005 by default.
DEFAULT_SERVICE_PORT_BASE = 8000
# One broker for `make run` and `make test`; `chasqui-local start --brokers 3` runs a KRaft cluster.
DEFAULT_KAFKA_BROKERS = 1
KAFKA_BROKER_CHOICES = (1, 3)
HOST = "127.0.0.1"

# The Kafka version is pinned in one place: the pom next to this package.
POM_PATH = Path(__file__).resolve().parents[2] / "kafka" / "pom.xml"


def find_repo_root(start: Path | None = None) -> Path | None:
    """Return the nearest directory upward holding the uv workspace's pyproject.toml."""
    starts = [start] if start is not None else [Path.cwd(), Path(__file__).resolve().parent]
    for origin in starts:
        for candidate in (origin, *origin.parents):
            pyproject = candidate / "pyproject.toml"
            if not pyproject.is_file():
                continue
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "workspace" in data.get("tool", {}).get("uv", {}):
                return candidate
    return None


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a port number; expected 1-65535") from None
    if not 0 < port < 65536:
        raise ValueError(f"{name}={port} is out of range; expected 1-65535")
    return port


def _brokers(environ: Mapping[str, str]) -> int:
    raw = environ.get("CHASQUI_KAFKA_BROKERS")
    if raw is None or raw == "":
        return DEFAULT_KAFKA_BROKERS
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if count not in KAFKA_BROKER_CHOICES:
        choices = " or ".join(str(c) for c in KAFKA_BROKER_CHOICES)
        raise ValueError(f"CHASQUI_KAFKA_BROKERS={raw!r} is not supported; expected {choices}")
    return count


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name}={environ.get(name)!r} is not a flag; expected 1 or 0")


def find_java(environ: Mapping[str, str]) -> str | None:
    """CHASQUI_JAVA wins, then $JAVA_HOME/bin/java, then java on PATH."""
    if explicit := environ.get("CHASQUI_JAVA"):
        return explicit
    if java_home := environ.get("JAVA_HOME"):
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java", path=environ.get("PATH"))


@dataclass(frozen=True)
class LocalConfig:
    """Everything that decides where and how the local Kafka and PostgreSQL run."""

    state_dir: Path
    kafka_port: int = DEFAULT_KAFKA_PORT
    kafka_controller_port: int = DEFAULT_KAFKA_CONTROLLER_PORT
    pg_port: int = DEFAULT_PG_PORT
    service_port_base: int = DEFAULT_SERVICE_PORT_BASE
    kafka_brokers: int = DEFAULT_KAFKA_BROKERS
    kafka_secure: bool = False
    """SASL/SCRAM and ACLs from deploy/k8s KafkaUsers (`start --secure`, CHASQUI_KAFKA_SECURE=1)."""
    java: str | None = "java"
    mvn: str | None = "mvn"
    pom_path: Path = POM_PATH

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalConfig:
        env = os.environ if environ is None else environ
        if override := env.get("CHASQUI_LOCAL_DIR"):
            state_dir = Path(override).expanduser().resolve()
        else:
            root = find_repo_root()
            if root is None:
                raise ValueError(
                    "cannot find the repository root (a pyproject.toml with [tool.uv.workspace]) "
                    "above the current directory; set CHASQUI_LOCAL_DIR"
                )
            state_dir = root / ".local"
        pom = POM_PATH
        if not pom.is_file() and (root := find_repo_root()) is not None:
            pom = root / "deploy" / "local" / "kafka" / "pom.xml"
        return cls(
            state_dir=state_dir,
            kafka_port=_port(env, "CHASQUI_KAFKA_PORT", DEFAULT_KAFKA_PORT),
            kafka_controller_port=_port(env, "CHASQUI_KAFKA_CONTROLLER_PORT", DEFAULT_KAFKA_CONTROLLER_PORT),
            pg_port=_port(env, "CHASQUI_PG_PORT", DEFAULT_PG_PORT),
            service_port_base=_port(env, "CHASQUI_SERVICE_PORT_BASE", DEFAULT_SERVICE_PORT_BASE),
            kafka_brokers=_brokers(env),
            kafka_secure=_flag(env, "CHASQUI_KAFKA_SECURE"),
            java=find_java(env),
            mvn=env.get("CHASQUI_MVN") or shutil.which("mvn", path=env.get("PATH")),
            pom_path=pom,
        )

    def __post_init__(self) -> None:
        if self.kafka_brokers not in KAFKA_BROKER_CHOICES:
            choices = " or ".join(str(c) for c in KAFKA_BROKER_CHOICES)
            raise ValueError(f"{self.kafka_brokers} Kafka brokers are not supported; expected {choices}")
        ports = [port for node in self.kafka_nodes for port in (node.port, node.controller_port)]
        if len(set(ports)) != len(ports) or max(ports) > 65535:
            raise ValueError(
                f"the {self.kafka_brokers} Kafka nodes need distinct ports: broker port N + 2*i and "
                f"controller port M + 2*i for node i (got {ports}); choose CHASQUI_KAFKA_PORT and "
                f"CHASQUI_KAFKA_CONTROLLER_PORT so that these do not overlap, e.g. M = N + 1"
            )

    @property
    def kafka_dir(self) -> Path:
        """State of the single broker (the default stack)."""
        return self.state_dir / "kafka"

    @property
    def kafka_cluster_dir(self) -> Path:
        """State of the three-node cluster (`--brokers 3`), one folder per node."""
        return self.state_dir / "kafka-cluster"

    @property
    def kafka_nodes(self) -> tuple[KafkaNode, ...]:
        """Each Kafka node's id, ports and folder: node i (from 0) listens on port + 2*i."""
        if self.kafka_brokers == 1:
            return (KafkaNode(1, self.kafka_port, self.kafka_controller_port, self.kafka_dir),)
        return tuple(
            KafkaNode(
                index + 1,
                self.kafka_port + 2 * index,
                self.kafka_controller_port + 2 * index,
                self.kafka_cluster_dir / f"node-{index + 1}",
            )
            for index in range(self.kafka_brokers)
        )

    @property
    def postgres_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def jars_root(self) -> Path:
        return self.state_dir / "jars"

    @property
    def kafka_bootstrap_servers(self) -> str:
        return ",".join(f"{HOST}:{node.port}" for node in self.kafka_nodes)


@dataclass(frozen=True)
class KafkaNode:
    """One KRaft node of the local stack (broker and controller in one process)."""

    node_id: int
    port: int
    controller_port: int
    root: Path
