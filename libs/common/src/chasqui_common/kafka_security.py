"""How every Kafka client of Chasqui authenticates: one value built from settings or the environment.

`KafkaSecurity.from_env()` reads the same variables in every process (services, CLI, scenario,
test helpers, the local runner):

- KAFKA_SECURITY_PROTOCOL: PLAINTEXT (default), SSL (mutual TLS with Strimzi KafkaUser
  certificates), SASL_PLAINTEXT (SCRAM on the local secure broker, `chasqui-local start --secure`)
  or SASL_SSL (SCRAM over TLS).
- KAFKA_SASL_MECHANISM (SCRAM-SHA-512 default, SCRAM-SHA-256, PLAIN), KAFKA_SASL_USERNAME,
  KAFKA_SASL_PASSWORD: the principal's credentials for the SASL protocols.
- KAFKA_SSL_CAFILE, KAFKA_SSL_CERTFILE, KAFKA_SSL_KEYFILE: PEM files for the TLS protocols (the
  client certificate and key only for SSL, i.e. mutual TLS).

With none of them set the clients connect in PLAINTEXT, as they always did. `client_options()`
gives the keyword arguments of aiokafka's producer, consumer and admin client.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
PROTOCOLS: tuple[str, ...] = get_args(SecurityProtocol)
MECHANISMS: tuple[str, ...] = get_args(SaslMechanism)
DEFAULT_MECHANISM: SaslMechanism = "SCRAM-SHA-512"


class KafkaSecurityError(ValueError):
    """The security settings are incomplete or inconsistent; the message names the variable."""


@dataclass(frozen=True)
class KafkaSecurity:
    """A Kafka client's security protocol and credentials (see the module docstring for the env).

    `password` is kept out of `repr` so that logging a client's options never prints it.
    """

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = DEFAULT_MECHANISM
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise KafkaSecurityError(
                f"KAFKA_SECURITY_PROTOCOL={self.protocol!r} is not supported; expected one of {', '.join(PROTOCOLS)}"
            )
        if self.uses_sasl:
            if self.sasl_mechanism not in MECHANISMS:
                raise KafkaSecurityError(
                    f"KAFKA_SASL_MECHANISM={self.sasl_mechanism!r} is not supported; expected one of "
                    f"{', '.join(MECHANISMS)}"
                )
            missing = [
                name
                for name, value in (
                    ("KAFKA_SASL_USERNAME", self.username),
                    ("KAFKA_SASL_PASSWORD", self.password),
                )
                if not value
            ]
            if missing:
                raise KafkaSecurityError(
                    f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs {' and '.join(missing)}"
                )
        if self.protocol == "SSL":
            missing = [
                name
                for name, value in (
                    ("KAFKA_SSL_CAFILE", self.cafile),
                    ("KAFKA_SSL_CERTFILE", self.certfile),
                    ("KAFKA_SSL_KEYFILE", self.keyfile),
                )
                if value is None
            ]
            if missing:
                raise KafkaSecurityError(f"KAFKA_SECURITY_PROTOCOL=SSL needs {', '.join(missing)}")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def principal(self) -> str | None:
        """The Kafka principal the broker sees for SASL (`User:<username>`), None otherwise."""
        return f"User:{self.username}" if self.uses_sasl and self.username else None

    def as_user(self, username: str, password: str) -> KafkaSecurity:
        """The same protocol and mechanism with another principal's credentials."""
        return replace(self, username=username, password=password)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The client TLS context for SSL and SASL_SSL (mutual TLS only for SSL); None otherwise."""
        if not self.uses_tls:
            return None
        from aiokafka.helpers import create_ssl_context

        context: ssl.SSLContext = create_ssl_context(
            cafile=str(self.cafile) if self.cafile else None,
            certfile=str(self.certfile) if self.certfile else None,
            keyfile=str(self.keyfile) if self.keyfile else None,
        )
        return context

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password
        return options

    def env(self) -> dict[str, str]:
        """The environment variables that `from_env` reads back into this value."""
        values: dict[str, str] = {"KAFKA_SECURITY_PROTOCOL": self.protocol}
        if self.uses_sasl:
            values["KAFKA_SASL_MECHANISM"] = self.sasl_mechanism
            values["KAFKA_SASL_USERNAME"] = self.username or ""
            values["KAFKA_SASL_PASSWORD"] = self.password or ""
        for name, path in (
            ("KAFKA_SSL_CAFILE", self.cafile),
            ("KAFKA_SSL_CERTFILE", self.certfile),
            ("KAFKA_SSL_KEYFILE", self.keyfile),
        ):
            if path is not None:
                values[name] = str(path)
        return values

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaSecurity:
        """Read KAFKA_SECURITY_PROTOCOL and friends; PLAINTEXT when none is set.

        Raises KafkaSecurityError naming the variable that is unknown or missing.
        """
        env = os.environ if environ is None else environ
        protocol = (env.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").upper()
        mechanism = (env.get("KAFKA_SASL_MECHANISM") or DEFAULT_MECHANISM).upper()

        def path(name: str) -> Path | None:
            raw = env.get(name)
            return Path(raw) if raw else None

        return cls(
            protocol=protocol,  # type: ignore[arg-type]  # checked in __post_init__
            sasl_mechanism=mechanism,  # type: ignore[arg-type]
            username=env.get("KAFKA_SASL_USERNAME") or None,
            password=env.get("KAFKA_SASL_PASSWORD") or None,
            cafile=path("KAFKA_SSL_CAFILE"),
            certfile=path("KAFKA_SSL_CERTFILE"),
            keyfile=path("KAFKA_SSL_KEYFILE"),
        )


PLAINTEXT = KafkaSecurity()
"""No authentication: the local stack's default and every client's default."""
