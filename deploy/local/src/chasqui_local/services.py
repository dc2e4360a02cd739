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

from .config import HOST, LocalConfig
from .errors import StackError
from .processes import pid_alive, port_in_use, read_pid, tail, terminate

Progress = Callable[[str], None]


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


SERVICES = (
    ServiceSpec("registry", 8001),
    ServiceSpec("eligibility", 8002),
    ServiceSpec("employment", 8003),
    ServiceSpec("migrants", 8004),
    ServiceSpec("notifications", 8005),
)


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


def available() -> tuple[ServiceSpec, ...]:
    return tuple(spec for spec in SERVICES if executable(spec) is not None)


def status(config: LocalConfig) -> list[ServiceStatus]:
    result = []
    for spec in SERVICES:
        pid_file, log = _paths(config, spec)
        pid = read_pid(pid_file)
        result.append(
            ServiceStatus(spec, pid, pid is not None and pid_alive(pid, cmdline_contains=spec.script), log)
        )
    return result


def start(
    config: LocalConfig,
    env: Mapping[str, str],
    *,
    only: tuple[ServiceSpec, ...] | None = None,
    progress: Progress,
    ready_timeout: float = 120.0,
) -> list[ServiceSpec]:
    """Start each service not yet running and wait until every one answers /readyz."""
    started: list[tuple[ServiceSpec, subprocess.Popen[bytes], Path]] = []
    specs = only if only is not None else available()
    for spec in specs:
        pid_file, log = _paths(config, spec)
        pid = read_pid(pid_file)
        if pid is not None and pid_alive(pid, cmdline_contains=spec.script):
            progress(f"{spec.name}: already running (pid {pid})")
            continue
        if port_in_use(HOST, spec.port):
            raise ServiceStartError(
                f"{spec.name}: port {spec.port} is in use by another process; free it or stop that "
                f"process (log of the last run: {log})"
            )
        program = executable(spec)
        if program is None:
            raise ServiceStartError(f"{spec.name}: {spec.script} is not installed; run `make setup`")
        service_env = {**os.environ, **env, "HTTP_HOST": HOST, "HTTP_PORT": str(spec.port)}
        service_env["DATABASE_URL"] = env[f"{spec.name.upper()}_DATABASE_URL"]
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
                    if (await http.get(f"{spec.base_url}/readyz")).status_code == 200:
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
