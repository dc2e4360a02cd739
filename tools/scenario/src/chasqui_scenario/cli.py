"""The `chasqui-scenario` command (development only).

`run`: the main command behind `make run`: start the local platform (Kafka, PostgreSQL and every
service, through `chasqui_local`), play the Perú scenario over the services' HTTP APIs and print
its report; the platform keeps running (`chasqui-local down` stops it).
`migracentros`: one day at the four Migracentros against a running migrant-services.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from aiokafka.errors import KafkaError
from chasqui_local import kafka_secure, platform, services
from chasqui_local.config import LocalConfig
from chasqui_local.errors import StackError
from chasqui_local.kafka import KafkaProcess

from .peru.options import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, Options


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of households")
    return value


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="chasqui-scenario",
        description="Chasqui scenarios against the local platform (development only)",
    )
    commands = result.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="up (Kafka, PostgreSQL, every service), play the Perú scenario, print its report; "
        "leaves the platform running (`chasqui-local down` stops it)",
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
    day = commands.add_parser(
        "migracentros",
        help="register, open cases, book and refer eight people at the four Migracentros "
        "against a running migrant-services",
    )
    day.add_argument("--url", default="http://127.0.0.1:8004", help="migrant-services base URL")
    day.add_argument("--token", required=True, help="bearer token with migrants:write")
    return result


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def _run(config: LocalConfig, args: argparse.Namespace) -> int:
    """up + scenario + report; the platform stays up."""
    from rich.console import Console

    from .peru.report import render
    from .peru.runner import play

    platform.up(config, with_services=True, progress=_progress)
    if config.kafka_secure:
        # The scenario watches every topic and consumer group: on the secure broker (CHASQUI_KAFKA_SECURE=1)
        # it reads as the local super user, through the variables its Kafka clients read.
        os.environ.update(kafka_secure.ADMIN.env())
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


def _migracentros(args: argparse.Namespace) -> int:
    import httpx

    from .migracentro_day import attend_at_migracentros

    async def play() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {args.token}"}
        async with httpx.AsyncClient(base_url=args.url, headers=headers, timeout=30) as client:
            return await attend_at_migracentros(client)

    try:
        created = asyncio.run(play())
    except (RuntimeError, httpx.HTTPError) as exc:  # RuntimeError: a request the service refused
        print(f"chasqui-scenario migracentros: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(
        f"attended {len(created['migrants'])} people at the four Migracentros: "
        f"{len(created['cases'])} cases, {len(created['appointments'])} appointments, "
        f"{len(created['referrals'])} referrals"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "migracentros":
            return _migracentros(args)
        return _run(LocalConfig.from_env(), args)
    except (StackError, ValueError) as exc:
        print(f"chasqui-scenario {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
