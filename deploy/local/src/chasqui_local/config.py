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
            java=find_java(env),
            mvn=env.get("CHASQUI_MVN") or shutil.which("mvn", path=env.get("PATH")),
            pom_path=pom,
        )

    @property
    def kafka_dir(self) -> Path:
        return self.state_dir / "kafka"

    @property
    def postgres_dir(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def jars_root(self) -> Path:
        return self.state_dir / "jars"

    @property
    def kafka_bootstrap_servers(self) -> str:
        return f"{HOST}:{self.kafka_port}"
