"""Runs the five Chasqui services as local processes: start, wait for /readyz, stop, status."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from .config import DEFAULT_SERVICE_PORT_BASE, HOST, LocalConfig
from .errors import StackError
from .processes import pid_alive, port_in_use, read_pid, tail, terminate

Progress = Callable[[str], None]
MANAGEMENT_PORT_OFFSET = 1000
"""chasqui_common.settings.MANAGEMENT_PORT_OFFSET: /readyz is on HTTP_PORT + 1000."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int

    @property
    def script(self) -> str:
        return f"chasqui-{self.name}"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def management_url(self) -> str:
        """Health, readiness and metrics: MANAGEMENT_PORT, which defaults to the port + 1000."""
        return f"http://{HOST}:{self.port + MANAGEMENT_PORT_OFFSET}"


# In start order; each listens on the configured base port + its offset (8001-8007 by default,
# CHASQUI_SERVICE_PORT_BASE moves them all, e.g. for a second platform on one machine).
SERVICE_NAMES = (
    "registry",
    "eligibility",
    "employment-matching",
    "migrant-services",
    "notifications",
    "dci-gateway",
    "citizen-attention",
)
SERVICES = tuple(
    ServiceSpec(name, DEFAULT_SERVICE_PORT_BASE + offset) for offset, name in enumerate(SERVICE_NAMES, 1)
)


def specs(config: LocalConfig) -> tuple[ServiceSpec, ...]:
    """Every service with the port it uses under this configuration."""
    return tuple(
        ServiceSpec(name, config.service_port_base + offset) for offset, name in enumerate(SERVICE_NAMES, 1)
    )


def spec_named(config: LocalConfig, name: str) -> ServiceSpec:
    for spec in specs(config):
        if spec.name == name:
            return spec
    raise LookupError(f"no service named {name!r}; expected one of {', '.join(SERVICE_NAMES)}")


def log_path(config: LocalConfig, name: str) -> Path:
    """Where a service started by `chasqui-local up` writes its output."""
    return config.state_dir / "logs" / f"{name}.log"


class ServiceStartError(StackError):
    """A service could not start; the message names it and its log file."""


@dataclass(frozen=True)
class ServiceStatus:
    spec: ServiceSpec
    pid: int | None
    running: bool
    log: Path


def _paths(config: LocalConfig, spec: ServiceSpec) -> tuple[Path, Path]:
    run_dir, log_dir = config.state_dir / "run", config.state_dir / "logs"
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    return run_dir / f"{spec.name}.pid", log_dir / f"{spec.name}.log"


def executable(spec: ServiceSpec) -> Path | None:
    """The service's console script in this environment, or None if its package is not installed."""
    candidate = Path(sys.executable).parent / spec.script
    return candidate if candidate.exists() else None


def available(config: LocalConfig | None = None) -> tuple[ServiceSpec, ...]:
    """The services whose package is installed (with the ports of `config`, else the defaults)."""
    candidates = specs(config) if config is not None else SERVICES
    return tuple(spec for spec in candidates if executable(spec) is not None)


def status(config: LocalConfig) -> list[ServiceStatus]:
    result = []
    for spec in specs(config):
        pid_file, log = _paths(config, spec)
        pid = read_pid(pid_file)
        result.append(
            ServiceStatus(spec, pid, pid is not None and pid_alive(pid, cmdline_contains=spec.script), log)
        )
    return result


def process_env(spec: ServiceSpec, env: Mapping[str, str]) -> dict[str, str]:
    """The environment of one service process: `env` with its own database roles and, on the
    secure broker (`--secure`), its own Kafka principal (`<SERVICE>_KAFKA_*`), never the admin's."""
    service_env = {**env, "HTTP_HOST": HOST, "HTTP_PORT": str(spec.port)}
    prefix = spec.name.upper().replace("-", "_")
    service_env["DATABASE_URL"] = env[f"{prefix}_DATABASE_URL"]
    if f"{prefix}_DATABASE_MIGRATION_URL" in env:
        service_env["DATABASE_MIGRATION_URL"] = env[f"{prefix}_DATABASE_MIGRATION_URL"]
    for name, value in env.items():
        if name.startswith(f"{prefix}_KAFKA_"):
            service_env[name.removeprefix(f"{prefix}_")] = value
    if env.get("CHASQUI_KAFKA_SECURE") == "1" and f"{prefix}_KAFKA_SASL_USERNAME" not in env:
        # Never fall back to the admin credentials a developer's shell may hold.
        raise ServiceStartError(
            f"{spec.name}: the secure Kafka broker has no principal for it: add a KafkaUser labelled "
            f"chasqui.pe/service: {spec.name} to deploy/k8s/base/kafka/users-services.yaml"
        )
    return service_env


def start(
    config: LocalConfig,
    env: Mapping[str, str],
    *,
    only: tuple[ServiceSpec, ...] | None = None,
    progress: Progress,
    ready_timeout: float = 120.0,
) -> list[ServiceSpec]:
    """Start each service not yet running and wait until every one answers /readyz.

    Every port is checked before anything starts; if a service cannot start or does not become
    ready, the services this call started are stopped again and the error names the service and
    its log file.
    """
    to_start: list[tuple[ServiceSpec, Path, Path]] = []
    specs_wanted = only if only is not None else available(config)
    for spec in specs_wanted:
        pid_file, log = _paths(config, spec)
        pid = read_pid(pid_file)
        if pid is not None and pid_alive(pid, cmdline_contains=spec.script):
            progress(f"{spec.name}: already running (pid {pid})")
            continue
        if port_in_use(HOST, spec.port):
            raise ServiceStartError(
                f"{spec.name}: port {spec.port} is in use by another process; free it, stop that "
                f"process or move the services with CHASQUI_SERVICE_PORT_BASE (log of {spec.name}: {log})"
            )
        if executable(spec) is None:
            raise ServiceStartError(
                f"{spec.name}: {spec.script} is not installed; run `make setup` (log of {spec.name}: {log})"
            )
        to_start.append((spec, pid_file, log))
    started: list[tuple[ServiceSpec, subprocess.Popen[bytes], Path]] = []
    try:
        for spec, pid_file, log in to_start:
            program = executable(spec)
            assert program is not None
            service_env = process_env(spec, {**os.environ, **env})
            with log.open("ab") as handle:
                process = subprocess.Popen(
                    [str(program)],
                    env=service_env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            pid_file.write_text(f"{process.pid}\n")
            progress(f"{spec.name}: starting on port {spec.port} (pid {process.pid}, log {log})")
            started.append((spec, process, log))
        asyncio.run(_wait_ready(started, ready_timeout, progress))
    except BaseException:
        for spec, process, _ in started:
            if process.poll() is None:
                progress(f"{spec.name}: stopping it again (pid {process.pid})")
                terminate(process.pid, sig=signal.SIGTERM, grace_s=15, marker=spec.script)
            _paths(config, spec)[0].unlink(missing_ok=True)
        raise
    return [spec for spec, _, _ in started]


async def _wait_ready(
    started: list[tuple[ServiceSpec, subprocess.Popen[bytes], Path]], timeout: float, progress: Progress
) -> None:
    deadline = time.monotonic() + timeout
    pending = list(started)
    async with httpx.AsyncClient(timeout=2) as http:
        while pending:
            for item in list(pending):
                spec, process, log = item
                if process.poll() is not None:
                    raise ServiceStartError(
                        f"{spec.name} exited with code {process.returncode} during start-up; "
                        f"its log is {log}:\n{tail(log)}"
                    )
                try:
                    if (await http.get(f"{spec.management_url}/readyz")).status_code == 200:
                        progress(f"{spec.name}: ready at {spec.base_url}")
                        pending.remove(item)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                names = ", ".join(spec.name for spec, _, _ in pending)
                logs = ", ".join(str(log) for _, _, log in pending)
                raise ServiceStartError(f"{names} not ready after {timeout:.0f}s; see {logs}")
            await asyncio.sleep(0.3)


def stop(config: LocalConfig) -> list[str]:
    """SIGTERM every running service (they drain and flush), SIGKILL after 30 s."""
    stopped = []
    for service in status(config):
        if service.running and service.pid is not None:
            terminate(service.pid, sig=signal.SIGTERM, grace_s=30, marker=service.spec.script)
            stopped.append(service.spec.name)
        _paths(config, service.spec)[0].unlink(missing_ok=True)
    return stopped
