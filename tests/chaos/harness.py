"""A private Chasqui platform for chaos scenarios, and the faults injected into it.

Kafka (one node, or three with `brokers=3`), PostgreSQL and every service run as processes in
a temporary state folder on free ports (only the Kafka jar cache in `.local/jars` is shared), so
the shared local stack and anybody's `make run` are never touched. With `proxied=True` the
services reach PostgreSQL through a `chasqui_testing.proxy.HangingProxy` that a scenario can freeze; extra
replicas of a service (`start_replica`) join its consumer groups and compete for its relay.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from chasqui_common.bootstrap import ServiceDefinition
from chasqui_local import kafka, platform, services, stack
from chasqui_local.config import LocalConfig, find_repo_root
from chasqui_local.kafka import KafkaProcess
from chasqui_local.postgres import PostgresProcess
from chasqui_local.processes import pid_alive, read_pid
from chasqui_testing.ports import free_block, free_port, free_ports
from chasqui_testing.proxy import HangingProxy

SERVICE_NAMES = services.SERVICE_NAMES
MANAGEMENT_OFFSET = 1000  # /readyz and /metrics: HTTP_PORT + 1000 (chasqui_common.settings)


def definitions() -> list[ServiceDefinition]:
    """The definitions of the services the platform runs: all the checker knows of them."""
    found = []
    for name in SERVICE_NAMES:
        module = importlib.import_module(f"chasqui_{name.replace('-', '_')}.main")
        found.append(module.DEFINITION)
    return found


def _free_run(length: int, *, also: int | None = None) -> int:
    """A port p such that p .. p+length-1 (and the same from p+also) are free, below the
    ephemeral range (32768+)."""
    run = list(range(length))
    return free_block(run + ([also + i for i in run] if also is not None else []))


def _log(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


class ChaosPlatform:
    """Start, fault and restart one private platform."""

    def __init__(self, state: Path, *, brokers: int = 1, proxied: bool = False) -> None:
        state.mkdir(parents=True, exist_ok=True)
        root = find_repo_root()
        if root is not None and not (state / "jars").exists():
            cached = root / ".local" / "jars"
            cached.mkdir(parents=True, exist_ok=True)
            (state / "jars").symlink_to(cached, target_is_directory=True)
        kafka_base = _free_run(6)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHASQUI_")}
        env["CHASQUI_LOCAL_DIR"] = str(state)
        self.config = replace(
            LocalConfig.from_env(env),
            kafka_port=kafka_base,
            kafka_controller_port=kafka_base + 1,
            kafka_brokers=brokers,
            pg_port=_free_run(1),
            service_port_base=_free_run(len(SERVICE_NAMES) + 1, also=MANAGEMENT_OFFSET),
        )
        self.info: stack.StackInfo | None = None
        self.env: dict[str, str] = {}
        self.proxied = proxied
        self.proxy: HangingProxy | None = None
        self.replicas: dict[tuple[str, int], subprocess.Popen[bytes]] = {}

    @property
    def bootstrap(self) -> str:
        return self.config.kafka_bootstrap_servers

    @property
    def admin_dsn(self) -> str:
        assert self.info is not None
        return self.info.admin_dsn

    def up(self) -> None:
        # The services read these from the environment, and the shared stack's values must not leak in.
        for name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "DATABASE_ADMIN_URL", "AUTH_JWKS_FILE"):
            os.environ.pop(name, None)
        self.info = platform.up(self.config, with_services=False, progress=_log)
        self.env = platform.platform_env(self.config, self.info)
        if self.proxied:
            # Runtime roles go through the proxy; migrations (owner role) and the checker do not.
            self.proxy = HangingProxy(free_port(), upstream=self.config.pg_port)
            direct, through = f":{self.config.pg_port}/", f":{self.proxy.port}/"
            for key, dsn in list(self.env.items()):
                if key.endswith("_DATABASE_URL") and not key.endswith("_MIGRATION_URL"):
                    assert direct in dsn, (key, dsn)
                    self.env[key] = dsn.replace(direct, through)
            _log(f"services reach PostgreSQL through the proxy on port {self.proxy.port}")
        services.start(self.config, self.env, progress=_log)

    def down(self) -> None:
        for key in list(self.replicas):
            self.kill_replica(*key)
        services.stop(self.config)
        stack.stop(self.config)
        if self.proxy is not None:
            self.proxy.close()

    # --- replicas ---------------------------------------------------------------------------

    def start_replica(self, name: str, index: int, *, ready_timeout: float = 120.0) -> None:
        """Another process of service `name` on its own ports: same database, same consumer
        groups, same relay lock; it takes no HTTP traffic from the workload."""
        spec = services.spec_named(self.config, name)
        program = services.executable(spec)
        assert program is not None, f"{spec.script} is not installed"
        http_port, management_port = free_ports(2)
        prefix = name.upper().replace("-", "_")
        env = {
            **os.environ,
            **self.env,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(http_port),
            "MANAGEMENT_PORT": str(management_port),
            "DATABASE_URL": self.env[f"{prefix}_DATABASE_URL"],
        }
        log = self.config.state_dir / "logs" / f"{name}-replica-{index}.log"
        with log.open("ab") as handle:
            process = subprocess.Popen(
                [str(program)], env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.replicas[(name, index)] = process
        _log(f"{name} replica {index} starting (pid {process.pid}, log {log})")
        deadline = time.monotonic() + ready_timeout
        while not _ready_at(management_port):
            if process.poll() is not None:
                raise AssertionError(f"{name} replica {index} exited with {process.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{name} replica {index} not ready after {ready_timeout:.0f}s; see {log}"
                )
            time.sleep(0.3)
        _log(f"{name} replica {index} ready")

    def kill_replica(self, name: str, index: int) -> None:
        process = self.replicas.pop((name, index))
        if process.poll() is None:
            _log(f"SIGKILL {name} replica {index} (pid {process.pid})")
            process.kill()
            process.wait(timeout=10)

    # --- PostgreSQL connections hanging ------------------------------------------------------

    def freeze_database_link(self) -> None:
        assert self.proxy is not None, "this platform was started without the proxy (proxied=True)"
        _log(f"PostgreSQL stops answering ({self.proxy.connections} connections through the proxy)")
        self.proxy.freeze()

    def thaw_database_link(self) -> None:
        assert self.proxy is not None
        _log("PostgreSQL answers again")
        self.proxy.thaw()

    def terminate_relay_lock_session(self, name: str) -> int:
        """pg_terminate_backend on the session holding service `name`'s relay advisory lock
        (chasqui_common.messaging.outbox: a session lock on one pooled connection); its pid."""

        async def terminate() -> int:
            import asyncpg

            conn = await asyncpg.connect(self.admin_dsn)
            try:
                schema = next(d.schema for d in definitions() if d.name == name)
                pids = [
                    row["pid"]
                    for row in await conn.fetch(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                        " AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint",
                        f"outbox:{schema}",
                    )
                ]
                assert len(pids) == 1, f"expected one session holding {name}'s relay lock, found {pids}"
                await conn.execute("SELECT pg_terminate_backend($1)", pids[0])
                return int(pids[0])
            finally:
                await conn.close()

        pid = asyncio.run(terminate())
        _log(f"terminated {name}'s relay lock session (backend pid {pid})")
        return pid

    # --- services -------------------------------------------------------------------------

    def service_pid(self, name: str) -> int | None:
        spec = services.spec_named(self.config, name)
        pid = read_pid(self.config.state_dir / "run" / f"{name}.pid")
        return pid if pid is not None and pid_alive(pid, cmdline_contains=spec.script) else None

    def kill_service(self, name: str) -> None:
        pid = self.service_pid(name)
        assert pid is not None, f"{name} is not running"
        _log(f"SIGKILL {name} (pid {pid})")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)

    def start_service(self, name: str) -> None:
        _log(f"starting {name}")
        services.start(self.config, self.env, only=(services.spec_named(self.config, name),), progress=_log)

    def restart_service(self, name: str) -> None:
        pid = self.service_pid(name)
        if pid is not None:
            from chasqui_local.processes import terminate

            terminate(pid, sig=signal.SIGTERM, grace_s=30, marker=f"chasqui-{name}")
        self.start_service(name)

    # --- PostgreSQL -----------------------------------------------------------------------

    def stop_postgres(self) -> None:
        _log("stopping PostgreSQL")
        PostgresProcess(self.config).stop()

    def start_postgres(self) -> None:
        _log("starting PostgreSQL")
        postgres = PostgresProcess(self.config)
        pid = postgres.launch()
        asyncio.run(postgres.wait_ready(pid))

    # --- Kafka ----------------------------------------------------------------------------

    def brokers(self) -> list[KafkaProcess]:
        return kafka.nodes(self.config)

    def kill_broker(self, node_id: int) -> None:
        process = self.brokers()[node_id - 1]
        pid = process.pid()
        assert pid is not None, f"{process.name} is not running"
        _log(f"SIGKILL {process.name} (pid {pid})")
        os.kill(pid, signal.SIGKILL)

    def start_broker(self, node_id: int) -> None:
        process = self.brokers()[node_id - 1]
        jars = kafka.fetch_jars(self.config, _log)
        pid = process.launch(jars)
        asyncio.run(process.wait_ready(pid))
        _log(f"{process.name} back (pid {pid})")

    def stop_kafka(self) -> None:
        for process in self.brokers():
            process.stop()

    def start_kafka(self) -> None:
        jars = kafka.fetch_jars(self.config, _log)
        started = [(process, process.launch(jars)) for process in self.brokers()]

        async def ready() -> None:
            await asyncio.gather(*(p.wait_ready(pid) for p, pid in started))

        asyncio.run(ready())


def service_ready(config: LocalConfig, name: str) -> bool:
    """True if the service answers /readyz (on its management port) with 200 now."""
    spec = services.spec_named(config, name)
    url = getattr(spec, "management_url", spec.base_url)
    host, _, port = url.removeprefix("http://").rpartition(":")
    with suppress(OSError), socket.create_connection((host, int(port)), timeout=1) as conn:
        conn.sendall(f"GET /readyz HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        return conn.recv(64).split(b" ")[1:2] == [b"200"]
    return False


def _ready_at(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        return conn.recv(64).split(b" ")[1:2] == [b"200"]
    return False


def installed(names: Sequence[str] = SERVICE_NAMES) -> bool:
    return all(services.executable(services.spec_named(LocalConfig(Path("/")), n)) for n in names)
