"""Numbered SQL migrations: each file applied once, in its own transaction, and recorded."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chasqui_common.db.pool import Connection

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def load_migrations(directory: Path) -> list[Migration]:
    """The migrations in `directory`, ordered; files must be named NNNN_description.sql."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file {path} must be named NNNN_lowercase_description.sql")
        migrations.append(Migration(match.group(1), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations in {directory} share a number: {versions}")
    return migrations


def common_migrations() -> list[Migration]:
    """The plumbing tables (outbox, inbox) every service schema carries."""
    directory = Path(str(resources.files("chasqui_common.sql")))
    return [Migration(f"common-{m.version}", m.name, m.sql) for m in load_migrations(directory)]


async def apply_migrations(conn: Connection, schema: str, migrations: list[Migration]) -> list[str]:
    """Apply what is not applied yet in `schema`; returns the names applied.

    An advisory lock keyed by the schema serialises replicas starting together.
    A changed file that was already applied is refused: migrations are append-only.
    """
    await conn.execute(f"SET search_path TO {_quote(schema)}")
    await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrations:{schema}")
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    text PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        applied = {
            row["version"]: row["checksum"]
            for row in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        done: list[str] = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.name} changed after it was applied to schema "
                        f"{schema}; add a new numbered migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrations:{schema}")


async def pending_migrations(conn: Connection, schema: str, migrations: list[Migration]) -> list[str]:
    """The names of `migrations` not applied yet in `schema`, read-only (no DDL, no lock).

    What a service running as its DML-only role checks at start. A changed applied file is refused
    as in `apply_migrations`."""
    table = await conn.fetchval("SELECT to_regclass($1)", f"{_quote(schema)}.schema_migrations")
    if table is None:
        return [m.name for m in migrations]
    applied = {
        row["version"]: row["checksum"]
        for row in await conn.fetch(f"SELECT version, checksum FROM {_quote(schema)}.schema_migrations")
    }
    for migration in migrations:
        if migration.version in applied and applied[migration.version] != migration.checksum:
            raise MigrationError(
                f"migration {migration.name} changed after it was applied to schema {schema}; "
                "add a new numbered migration instead"
            )
    return [m.name for m in migrations if m.version not in applied]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
