"""Where the CLI connects: environment variables first, else the local stack's addresses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from chasqui_local.config import DEFAULT_KAFKA_PORT, HOST, LocalConfig
from chasqui_local.postgres import admin_dsn

from chasqui_cli.errors import CliError


@dataclass(frozen=True)
class Connection:
    kafka_bootstrap_servers: str
    _database_admin_url: str | None = None

    @property
    def database_admin_url(self) -> str:
        """The admin DSN: DATABASE_ADMIN_URL, else the local stack's superuser (read lazily)."""
        if self._database_admin_url:
            return self._database_admin_url
        try:
            return admin_dsn(LocalConfig.from_env())
        except (OSError, ValueError) as exc:
            raise CliError(
                f"no DATABASE_ADMIN_URL set and the local stack's admin password is unreadable ({exc}); "
                "run `chasqui stack up` or set DATABASE_ADMIN_URL"
            ) from None


def from_env(environ: Mapping[str, str] | None = None) -> Connection:
    env = os.environ if environ is None else environ
    bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        try:
            bootstrap = LocalConfig.from_env(env).kafka_bootstrap_servers
        except ValueError:  # outside the repository: the local stack's default address
            bootstrap = f"{HOST}:{DEFAULT_KAFKA_PORT}"
    return Connection(bootstrap, env.get("DATABASE_ADMIN_URL") or None)
