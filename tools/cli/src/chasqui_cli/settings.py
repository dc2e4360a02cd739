"""Where the CLI connects: the platform's addresses from the environment, as the services read them.

KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:19092, the services' default too) and
DATABASE_ADMIN_URL, else DATABASE_URL (a role that can read every service schema's outbox). On a
developer's machine `eval "$(uv run chasqui-local env --export)"` sets both for the local stack; in
Kubernetes they come from the operator's secrets. The CLI never starts anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from chasqui_cli.errors import CliError

DEFAULT_KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:19092"


@dataclass(frozen=True)
class Connection:
    kafka_bootstrap_servers: str
    _database_admin_url: str | None = None

    @property
    def database_admin_url(self) -> str:
        """DATABASE_ADMIN_URL, else DATABASE_URL; a CliError saying what to set if neither is."""
        if self._database_admin_url:
            return self._database_admin_url
        raise CliError(
            "no DATABASE_ADMIN_URL (or DATABASE_URL) set; set it to the platform's PostgreSQL, e.g. "
            'for the local stack: eval "$(uv run chasqui-local env --export)"'
        )


def from_env(environ: Mapping[str, str] | None = None) -> Connection:
    env = os.environ if environ is None else environ
    bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS") or DEFAULT_KAFKA_BOOTSTRAP_SERVERS
    database = env.get("DATABASE_ADMIN_URL") or env.get("DATABASE_URL") or None
    return Connection(bootstrap, database)
