"""Service settings from environment variables (pydantic-settings); the same names in every service."""

from __future__ import annotations

import ssl
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chasqui_common.kafka_security import KafkaSecurity, SaslMechanism, SecurityProtocol

MANAGEMENT_PORT_OFFSET = 1000
"""MANAGEMENT_PORT defaults to HTTP_PORT + this (registry 8001 -> 9001, ..., dci-gateway 8006 -> 9006, citizen-attention 8007 -> 9007)."""


class ServiceSettings(BaseSettings):
    """Read from the environment; a service's own settings subclass this one."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:19092", description="Kafka bootstrap servers (KAFKA_BOOTSTRAP_SERVERS)"
    )
    database_url: str = Field(
        "postgresql://127.0.0.1:15432/chasqui", description="The service role's DSN (DATABASE_URL)"
    )
    database_migration_url: str | None = Field(
        None,
        description="The schema owner's DSN (DATABASE_MIGRATION_URL): migrations are applied through it "
        "(at start, and by --migrate-only). Without it a service only checks at start that its "
        "migrations are applied, and refuses to start if not; DATABASE_URL is then a DML-only role",
    )
    kafka_security_protocol: SecurityProtocol = Field(
        "PLAINTEXT",
        description="SSL for the mutual-TLS listener (Strimzi KafkaUser certificates); SASL_PLAINTEXT "
        "for the local secure broker (`chasqui-local start --secure`, SCRAM); see chasqui_common.kafka_security",
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        "SCRAM-SHA-512", description="SASL mechanism for SASL_PLAINTEXT/SASL_SSL (KAFKA_SASL_MECHANISM)"
    )
    kafka_sasl_username: str | None = Field(
        None, description="The service's Kafka principal (KAFKA_SASL_USERNAME)"
    )
    kafka_sasl_password: SecretStr | None = Field(
        None, description="Its SCRAM password (KAFKA_SASL_PASSWORD)"
    )
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    db_schema: str = Field("", description="The service's own schema; defaults to the service name")
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_connect_timeout: float = Field(
        5.0,
        gt=0,
        description="Seconds to open one database connection (DB_CONNECT_TIMEOUT); asyncpg's own default is 60",
    )
    db_acquire_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds to take a connection from the pool, connecting included (DB_ACQUIRE_TIMEOUT)",
    )
    db_command_timeout: float = Field(
        30.0, gt=0, description="Seconds one SQL statement may run (DB_COMMAND_TIMEOUT)"
    )

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    management_host: str | None = Field(
        None, description="Address of the management port (MANAGEMENT_HOST); defaults to HTTP_HOST"
    )
    management_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Port of /healthz, /readyz and /metrics (MANAGEMENT_PORT), never routed by the "
        f"Ingress; defaults to HTTP_PORT + {MANAGEMENT_PORT_OFFSET} (9000 with the default HTTP_PORT)",
    )
    api_docs: bool = Field(
        True,
        description="Serve /openapi.json and /docs on the API port (API_DOCS); the prod overlay sets false",
    )
    idempotency_ttl_hours: float = Field(
        24.0,
        gt=0,
        description="Hours an Idempotency-Key and the answer stored with it are kept (IDEMPOTENCY_TTL_HOURS)",
    )
    log_level: str = "INFO"
    log_json: bool = True
    http_max_body_bytes: int = Field(
        1024 * 1024,
        ge=0,
        description="Largest request body in bytes (HTTP_MAX_BODY_BYTES); larger ones get 413 before parsing. "
        "A route may declare its own `max_body_size`; file-upload routes are not bound by this one",
    )

    auth_jwks_file: Path | None = Field(None, description="JWKS file with the token signing keys")
    auth_jwks_url: str | None = Field(None, description="JWKS URL with the token signing keys")
    auth_issuer: str = "https://auth.chasqui.local"
    auth_audience: str = "chasqui"
    auth_max_token_lifetime: float = Field(
        12 * 3600,
        gt=0,
        description="Longest validity in seconds a token may have, exp - iat (exp - now without iat), "
        "AUTH_MAX_TOKEN_LIFETIME; tokens valid longer are refused (401) even if the issuer signed them",
    )

    outbox_batch_size: int = 500
    outbox_poll_interval: float = 1.0
    outbox_retention_hours: float = Field(
        24,
        gt=0,
        description="Published outbox rows are deleted this long after publication "
        "(OUTBOX_RETENTION_HOURS; docs/operations.md, Retention)",
    )
    inbox_retention_days: float = Field(
        100,
        gt=0,
        description="Inbox rows are deleted this long after their event was applied "
        "(INBOX_RETENTION_DAYS); longer than any topic or DLQ retention, so a replayed event is "
        "still recognised",
    )
    retention_purge_interval: float = Field(
        600, gt=0, description="Seconds between two runs of the outbox and inbox purge"
    )
    retry_max_attempts: int = 6
    retry_base_delay: float = Field(
        0.2, gt=0, description="First wait before a consumer retries a batch its environment failed"
    )
    retry_max_delay: float = Field(
        5.0,
        gt=0,
        description="Longest wait between retries while a consumer is paused (the database or broker "
        "is unreachable); the batch is retried until it passes, never dead-lettered",
    )
    kafka_max_poll_interval_ms: int = Field(
        300_000,
        gt=0,
        description="Kafka max.poll.interval.ms of every consumer (KAFKA_MAX_POLL_INTERVAL_MS); a "
        "paused consumer keeps polling, and one attempt at a batch is bounded by the database timeouts",
    )
    kafka_health_interval: float = Field(
        5.0, gt=0, description="Seconds between broker health checks (chasqui_kafka_up, /readyz body)"
    )
    shutdown_grace_seconds: float = 20.0
    lag_report_interval: float = Field(10.0, description="Seconds between consumer lag measurements")
    consumer_group_suffix: str = Field(
        "", description="Appended to every consumer group id (tests isolate parallel instances with it)"
    )
    create_topics: bool = Field(True, description="Create missing catalogue topics at start")

    @model_validator(mode="after")
    def _timeouts_below_poll_interval(self) -> ServiceSettings:
        # One attempt at a batch waits at most for a connection, then for one statement: that must
        # end well before Kafka considers the consumer dead and hands its partitions to another.
        budget = self.kafka_max_poll_interval_ms / 1000 / 2
        if self.db_acquire_timeout + self.db_command_timeout >= budget:
            raise ValueError(
                f"DB_ACQUIRE_TIMEOUT + DB_COMMAND_TIMEOUT ({self.db_acquire_timeout:g} + "
                f"{self.db_command_timeout:g} s) must stay below half of KAFKA_MAX_POLL_INTERVAL_MS "
                f"({budget:g} s)"
            )
        return self

    @property
    def management_address(self) -> tuple[str, int]:
        """(host, port) of the management server: health, readiness and metrics."""
        port = self.management_port
        if port is None:
            port = self.http_port + MANAGEMENT_PORT_OFFSET if self.http_port else 0
        return (self.management_host or self.http_host, port)

    @model_validator(mode="after")
    def _management_port_is_its_own(self) -> ServiceSettings:
        _, port = self.management_address
        if port and port == self.http_port:
            raise ValueError(
                f"MANAGEMENT_PORT ({port}) must differ from HTTP_PORT: operations endpoints are never "
                "served on the API port"
            )
        return self

    def kafka_security(self) -> KafkaSecurity:
        """The security of every Kafka client of the service (KafkaSecurityError if incomplete)."""
        password = self.kafka_sasl_password
        return KafkaSecurity(
            protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_sasl_username,
            password=password.get_secret_value() if password is not None else None,
            cafile=self.kafka_ssl_cafile,
            certfile=self.kafka_ssl_certfile,
            keyfile=self.kafka_ssl_keyfile,
        )

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        """The client TLS context for KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL, or None."""
        return self.kafka_security().ssl_context()
