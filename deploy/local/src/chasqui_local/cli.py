"""The `chasqui-local` command: start, stop, status and env for the local stack."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from aiokafka.errors import KafkaError
from chasqui_common.auth.devtokens import ensure_signing_key

from . import services, stack
from .config import LocalConfig
from .errors import StackError
from .kafka import KafkaProcess
from .scenario.options import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, Options


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
    run = commands.add_parser(
        "run",
        help="up (Kafka, PostgreSQL, every service), play the Perú scenario, print its report; "
        "leaves the platform running (`down` stops it)",
    )
    run.add_argument(
        "--households",
        type=_positive,
        default=DEFAULT_HOUSEHOLDS,
        help=f"households in the ULE import (default {DEFAULT_HOUSEHOLDS}, about a minute)",
    )
    run.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default {DEFAULT_SEED})"
    )
    run.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    run.add_argument(
        "--settle-timeout",
        type=float,
        default=None,
        help="seconds to wait for each stage (default 120 + 0.5 per household)",
    )
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
        print(f"{c.name:<20} {state:<22} port {c.port:<6} log {c.log}")
    installed = {spec.name for spec in services.available(config)}
    for svc in services.status(config):
        if svc.spec.name not in installed and not svc.running:
            continue
        state = f"running (pid {svc.pid})" if svc.running else "not running"
        print(f"{svc.spec.name:<20} {state:<22} port {svc.spec.port:<6} log {svc.log}")
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


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of households")
    return value


def _run(config: LocalConfig, args: argparse.Namespace) -> int:
    """up + scenario + report; the platform stays up."""
    from rich.console import Console

    from .scenario.report import render
    from .scenario.runner import play

    _up(config, with_services=True)
    err = Console(stderr=True)
    err.print(f"[bold]playing the scenario:[/bold] {args.households} households, seed {args.seed}")
    options = Options(households=args.households, seed=args.seed, settle_timeout=args.settle_timeout)
    try:
        report = asyncio.run(play(config, options, err))
    except (KafkaError, OSError) as exc:
        raise StackError(
            f"kafka at {config.kafka_bootstrap_servers}: {type(exc).__name__}: {exc}; "
            f"its log is {KafkaProcess(config).log_path}"
        ) from exc
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False, default=str))
    else:
        render(report, Console())
    err.print(
        "The platform keeps running (ports "
        + ", ".join(f"{s.name} {s.port}" for s in services.specs(config))
        + "); stop it with `make down` or `uv run chasqui-local down`."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = LocalConfig.from_env()
        if args.command == "start":
            return _start(config)
        if args.command == "up":
            return _up(config, with_services=not args.no_services)
        if args.command == "run":
            return _run(config, args)
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
