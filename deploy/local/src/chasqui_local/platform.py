"""The whole local platform: Kafka, PostgreSQL and every installed service, started and ready.

`chasqui-local up` and the scenario (`chasqui-scenario run`) both start it through `up`.
"""

from __future__ import annotations

import asyncio
import sys

from chasqui_common.auth.devtokens import ensure_signing_key

from . import kafka_secure, services, stack
from .config import LocalConfig


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def platform_env(config: LocalConfig, info: stack.StackInfo) -> dict[str, str]:
    """What every service process needs to find the broker, its database role and the token keys."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": info.kafka_bootstrap_servers,
        "AUTH_JWKS_FILE": str(ensure_signing_key(config.state_dir / "auth")),
        "LOG_LEVEL": "INFO",
        # Log transports (notifications) and other development conveniences are allowed here only.
        "CHASQUI_PROFILE": "development",
    }
    for name, dsn in info.service_dsns.items():
        env[f"{name.upper()}_DATABASE_URL"] = dsn  # the DML-only runtime role
    for name, dsn in info.migration_dsns.items():
        env[f"{name.upper()}_DATABASE_MIGRATION_URL"] = dsn  # the schema owner: migrations at start
    if config.kafka_secure:
        # Each service connects as its own KafkaUser (services.start picks its pair); the topics come
        # from the KafkaTopic manifests, as the Topic Operator creates them in Kubernetes.
        env["CREATE_TOPICS"] = "false"
        env["CHASQUI_KAFKA_SECURE"] = "1"
        for service, security in kafka_secure.service_credentials(config).items():
            prefix = service.upper().replace("-", "_")
            for name, value in security.env().items():
                env[f"{prefix}_{name}"] = value
    return env


def up(
    config: LocalConfig, *, with_services: bool = True, progress: services.Progress = _stderr
) -> stack.StackInfo:
    """Start Kafka and PostgreSQL (idempotent), then every installed service not yet running, and
    wait until each answers; a StackError names what could not start and its log."""
    info = asyncio.run(stack.ensure_running(config, progress=progress))
    progress(f"kafka:    {info.kafka_bootstrap_servers}")
    if with_services:
        services.start(config, platform_env(config, info), progress=progress)
    return info
