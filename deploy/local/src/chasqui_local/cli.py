"""The `chasqui-local` command: start, stop, status and env for the local stack; up and down for
the whole local platform (the stack and the five services). The Perú scenario is
`chasqui-scenario run` (`make run`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from . import kafka, kafka_secure, platform, services, stack
from .config import KAFKA_BROKER_CHOICES, LocalConfig
from .errors import StackError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chasqui-local",
        description="Run a real Kafka (KRaft) and PostgreSQL on this machine, state in .local/",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start Kafka and PostgreSQL (idempotent) and wait for them")
    stop = commands.add_parser("stop", help="stop both (SIGTERM/SIGINT, then SIGKILL); idempotent")
    status = commands.add_parser(
        "status", help="show each component and service; exit 1 unless Kafka and PostgreSQL run"
    )
    for command in (start, stop, status):
        command.add_argument("--json", action="store_true", help="print JSON (for scripts) on stdout")
    up = commands.add_parser(
        "up", help="start Kafka, PostgreSQL and every installed service; wait until all are ready"
    )
    up.add_argument("--no-services", action="store_true", help="only the infrastructure")
    for command in (start, up):
        command.add_argument(
            "--brokers",
            type=int,
            choices=KAFKA_BROKER_CHOICES,
            default=None,
            help="Kafka nodes: 1 (default) or 3 (a KRaft cluster on ports N, N+2, N+4 with "
            "replication factor 3 and min.insync.replicas=2); also CHASQUI_KAFKA_BROKERS",
        )
        command.add_argument(
            "--secure",
            action="store_true",
            default=None,
            help="Kafka with SASL/SCRAM and the ACLs of the deploy/k8s KafkaUsers, every service as its "
            "own principal (docs/operations-local.md); also CHASQUI_KAFKA_SECURE=1",
        )
    commands.add_parser("down", help="stop the services, then Kafka and PostgreSQL")
    env = commands.add_parser("env", help="print connection settings for `eval`")
    env.add_argument("--export", action="store_true", help="prefix each line with `export `")
    return parser


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _start(config: LocalConfig, as_json: bool) -> int:
    info = asyncio.run(stack.ensure_running(config))
    if as_json:
        _print_json({"kafka": info.kafka_bootstrap_servers, "started": list(info.started)})
        return 0
    print(f"kafka:    {info.kafka_bootstrap_servers}")
    if config.kafka_secure:
        print(
            f"  SASL_PLAINTEXT/SCRAM-SHA-512 with ACLs; admin {kafka_secure.ADMIN_USER!r} (password "
            f"{kafka_secure.dev_password(kafka_secure.ADMIN_USER)!r}); every principal's password in "
            f"{kafka_secure.credentials_path(config)}"
        )
    print(f"postgres: {stack.env_lines(config)[1].split('=', 1)[1]}")
    for service in stack.SERVICE_ROLES:
        print(
            f"  schema {service}: owner {service} (password {stack.dev_password(service)!r}, migrations), "
            f"runtime {service}_app (password {stack.dev_password(service) + '-app'!r}, DML only)"
        )
    return 0


def _stopped(names: list[str], as_json: bool) -> int:
    if as_json:
        _print_json({"stopped": names})
    else:
        print(f"stopped: {', '.join(names)}" if names else "nothing was running")
    return 0


def _status(config: LocalConfig, as_json: bool) -> int:
    components = stack.status(config)
    installed = {spec.name for spec in services.available(config)}
    shown = [svc for svc in services.status(config) if svc.spec.name in installed or svc.running]
    if as_json:
        _print_json(
            [
                {"name": c.name, "running": c.running, "pid": c.pid, "port": c.port, "log": str(c.log)}
                for c in components
            ]
            + [
                {
                    "name": svc.spec.name,
                    "running": svc.running,
                    "pid": svc.pid,
                    "port": svc.spec.port,
                    "log": str(svc.log),
                }
                for svc in shown
            ]
        )
    else:
        for c in components:
            state = f"running (pid {c.pid})" if c.running else "not running"
            print(f"{c.name:<20} {state:<22} port {c.port:<6} log {c.log}")
        for svc in shown:
            state = f"running (pid {svc.pid})" if svc.running else "not running"
            print(f"{svc.spec.name:<20} {state:<22} port {svc.spec.port:<6} log {svc.log}")
    return 0 if all(c.running for c in components) else 1


def _up(config: LocalConfig, with_services: bool) -> int:
    platform.up(config, with_services=with_services)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = LocalConfig.from_env()
        if getattr(args, "brokers", None) is not None:
            config = replace(config, kafka_brokers=args.brokers)
        else:
            config = kafka.running_layout(config)
        if getattr(args, "secure", None):
            config = replace(config, kafka_secure=True)
        if args.command == "start":
            return _start(config, args.json)
        if args.command == "up":
            return _up(config, with_services=not args.no_services)
        if args.command == "down":
            return _stopped(services.stop(config) + stack.stop(config), as_json=False)
        if args.command == "stop":
            return _stopped(stack.stop(config), args.json)
        if args.command == "status":
            return _status(config, args.json)
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
