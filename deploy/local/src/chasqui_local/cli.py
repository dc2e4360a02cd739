"""The `chasqui-local` command: start, stop, status and env for the local stack."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from chasqui_common.auth.devtokens import ensure_signing_key

from . import services, stack
from .config import LocalConfig
from .errors import StackError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chasqui-local",
        description="Run a real Kafka (KRaft) and PostgreSQL on this machine, state in .local/",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("start", help="start Kafka and PostgreSQL (idempotent) and wait for them")
    commands.add_parser("stop", help="stop both (SIGTERM/SIGINT, then SIGKILL); idempotent")
    commands.add_parser("status", help="show each component; exit 1 unless both run")
    up = commands.add_parser(
        "up", help="start Kafka, PostgreSQL and every installed service; wait until all are ready"
    )
    up.add_argument("--no-services", action="store_true", help="only the infrastructure")
    commands.add_parser("down", help="stop the services, then Kafka and PostgreSQL")
    env = commands.add_parser("env", help="print connection settings for `eval`")
    env.add_argument("--export", action="store_true", help="prefix each line with `export `")
    return parser


def _start(config: LocalConfig) -> int:
    info = asyncio.run(stack.ensure_running(config))
    print(f"kafka:    {info.kafka_bootstrap_servers}")
    print(f"postgres: {stack.env_lines(config)[1].split('=', 1)[1]}")
    for service in stack.SERVICE_ROLES:
        print(f"  role {service}: password {stack.dev_password(service)!r}, schema {service}")
    return 0


def _status(config: LocalConfig) -> int:
    components = stack.status(config)
    for c in components:
        state = f"running (pid {c.pid})" if c.running else "not running"
        print(f"{c.name:<13} {state:<22} port {c.port:<6} log {c.log}")
    installed = {spec.name for spec in services.available()}
    for svc in services.status(config):
        if svc.spec.name not in installed and not svc.running:
            continue
        state = f"running (pid {svc.pid})" if svc.running else "not running"
        print(f"{svc.spec.name:<13} {state:<22} port {svc.spec.port:<6} log {svc.log}")
    return 0 if all(c.running for c in components) else 1


def platform_env(config: LocalConfig, info: stack.StackInfo) -> dict[str, str]:
    """What every service process needs to find the broker, its database role and the token keys."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": info.kafka_bootstrap_servers,
        "AUTH_JWKS_FILE": str(ensure_signing_key(config.state_dir / "auth")),
        "LOG_LEVEL": "INFO",
    }
    for name, dsn in info.service_dsns.items():
        env[f"{name.upper()}_DATABASE_URL"] = dsn
    return env


def _up(config: LocalConfig, with_services: bool) -> int:
    info = asyncio.run(stack.ensure_running(config))
    print(f"kafka:    {info.kafka_bootstrap_servers}", file=sys.stderr)
    if with_services:
        services.start(config, platform_env(config, info), progress=_progress)
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = LocalConfig.from_env()
        if args.command == "start":
            return _start(config)
        if args.command == "up":
            return _up(config, with_services=not args.no_services)
        if args.command == "down":
            stopped = services.stop(config) + stack.stop(config)
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
            return 0
        if args.command == "stop":
            stopped = stack.stop(config)
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
            return 0
        if args.command == "status":
            return _status(config)
        for line in stack.env_lines(config, export=args.export):
            print(line)
        return 0
    except (StackError, ValueError) as exc:
        print(f"chasqui-local {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
