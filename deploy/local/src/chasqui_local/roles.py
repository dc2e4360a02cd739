"""Least-privilege PostgreSQL roles: per service, an owner that migrates and a runtime role.

Each service has two login roles in its database:

- the **owner** (`<role>`): owns the service's schema and is the only one that runs DDL, through
  `--migrate-only` (the Kubernetes migration Job, `make run`'s start-up) or `DATABASE_MIGRATION_URL`;
- the **runtime** role (`<role>_app`): `USAGE` on that schema and `SELECT, INSERT, UPDATE, DELETE`
  on its tables and sequences (today's and, through default privileges, every one the owner
  creates later); no `CREATE`, no DDL, no temporary tables, no other schema.

Neither may connect to another database of the server (`CONNECT` and `TEMPORARY` are revoked from
PUBLIC on every other database, e.g. `postgres`): a role reaches its own database only.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
RUNTIME_SUFFIX = "_app"


def _check_identifier(kind: str, value: str) -> None:
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{kind}={value!r} is not a plain lower-case SQL identifier "
            "(expected [a-z_][a-z0-9_]*, at most 63 characters)"
        )


def runtime_role(owner: str) -> str:
    """The runtime (DML-only) role of a service whose schema `owner` owns: `<owner>_app`."""
    name = owner + RUNTIME_SUFFIX
    _check_identifier("runtime role", name)
    return name


def with_database(dsn: str, database: str) -> str:
    """The same DSN pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


def database_of(dsn: str) -> str:
    """The database a DSN points at (the user name when it names none, as libpq does)."""
    parts = urlsplit(dsn)
    return parts.path.lstrip("/") or parts.username or "postgres"


def role_dsn(admin_dsn: str, *, role: str, password: str, database: str) -> str:
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, "/" + database, parts.query, ""))


@dataclass(frozen=True)
class ServiceRoles:
    """The two DSNs of one service: `owner_dsn` migrates, `runtime_dsn` serves."""

    owner: str
    owner_dsn: str
    runtime: str
    runtime_dsn: str


async def _ensure_database(admin_dsn: str, database: str) -> None:
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            return
        with contextlib.suppress(asyncpg.DuplicateDatabaseError):
            await conn.execute(await conn.fetchval("SELECT format('CREATE DATABASE %I', $1::text)", database))
    finally:
        await conn.close()


ROLES_LOCK = "chasqui-roles"

_LOGIN = (
    "SELECT format('%s ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
    "PASSWORD %L', $1::text, $2::text, $3::text)"
)

# %1$I database, %2$I schema, %3$I owner, %4$I runtime role.
_GRANTS = (
    "REVOKE CREATE, USAGE ON SCHEMA public FROM PUBLIC",
    "REVOKE CONNECT, TEMPORARY ON DATABASE %1$I FROM PUBLIC",
    "GRANT CONNECT ON DATABASE %1$I TO %3$I",
    "GRANT CONNECT ON DATABASE %1$I TO %4$I",
    "CREATE SCHEMA IF NOT EXISTS %2$I AUTHORIZATION %3$I",
    "ALTER SCHEMA %2$I OWNER TO %3$I",
    "REVOKE ALL ON SCHEMA %2$I FROM PUBLIC",
    "REVOKE CREATE ON SCHEMA %2$I FROM %4$I",
    "GRANT USAGE ON SCHEMA %2$I TO %4$I",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %2$I TO %4$I",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %2$I TO %4$I",
    "ALTER DEFAULT PRIVILEGES FOR ROLE %3$I IN SCHEMA %2$I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %4$I",
    "ALTER DEFAULT PRIVILEGES FOR ROLE %3$I IN SCHEMA %2$I GRANT USAGE, SELECT ON SEQUENCES TO %4$I",
    "ALTER ROLE %3$I SET search_path TO %2$I",
    "ALTER ROLE %4$I SET search_path TO %2$I",
)

# Every other database of the server: nobody connects or creates temporary tables there unless
# granted by name (superusers still can). A database dropped meanwhile is skipped.
_CLOSE_OTHER_DATABASES = """
DO $$
DECLARE
    other name;
BEGIN
    FOR other IN SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() LOOP
        BEGIN
            EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', other);
        EXCEPTION WHEN undefined_object OR invalid_catalog_name THEN
            NULL;
        END;
    END LOOP;
END
$$
"""


async def _login_role(conn: asyncpg.Connection, role: str, password: str) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    await conn.execute(await conn.fetchval(_LOGIN, "ALTER" if exists else "CREATE", role, password))


async def provision_service_roles(
    admin_dsn: str,
    *,
    database: str,
    schema: str,
    role: str,
    password: str,
    runtime_password: str | None = None,
) -> ServiceRoles:
    """Idempotently give `role` its own `schema` (owner: migrations) and `<role>_app` DML on it.

    `runtime_password` defaults to `password` + "-app". Existing data and grants are kept.
    """
    _check_identifier("database", database)
    _check_identifier("schema", schema)
    _check_identifier("role", role)
    runtime = runtime_role(role)
    runtime_secret = runtime_password if runtime_password is not None else f"{password}-app"
    await _ensure_database(admin_dsn, database)
    conn = await asyncpg.connect(with_database(admin_dsn, database), timeout=10)
    try:
        # Roles and the database ACL are shared rows: concurrent GRANT/REVOKE/DROP OWNED on them fail
        # with "tuple concurrently updated", so every provisioning and drop takes one lock.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ROLES_LOCK)
            await _login_role(conn, role, password)
            await _login_role(conn, runtime, runtime_secret)
            for template in _GRANTS:
                sql = await conn.fetchval(
                    "SELECT format($1::text, $2::text, $3::text, $4::text, $5::text)",
                    template,
                    database,
                    schema,
                    role,
                    runtime,
                )
                await conn.execute(sql)
            await conn.execute(_CLOSE_OTHER_DATABASES)
    finally:
        await conn.close()
    return ServiceRoles(
        owner=role,
        owner_dsn=role_dsn(admin_dsn, role=role, password=password, database=database),
        runtime=runtime,
        runtime_dsn=role_dsn(admin_dsn, role=runtime, password=runtime_secret, database=database),
    )


async def provision_service_schema(
    admin_dsn: str, *, database: str, schema: str, role: str, password: str
) -> str:
    """`provision_service_roles`, returning the owner's DSN (the one that may migrate)."""
    roles = await provision_service_roles(
        admin_dsn, database=database, schema=schema, role=role, password=password
    )
    return roles.owner_dsn


async def drop_service_schema(admin_dsn: str, *, schema: str, role: str, database: str | None = None) -> None:
    """Drop the schema (with its objects), the owner role and its runtime role; a no-op for what
    is already gone. `database` defaults to the one the admin DSN points at.
    """
    _check_identifier("schema", schema)
    _check_identifier("role", role)
    target = database or database_of(admin_dsn)
    conn = await asyncpg.connect(with_database(admin_dsn, target), timeout=10)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ROLES_LOCK)
            await conn.execute(
                await conn.fetchval("SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', $1::text)", schema)
            )
            for name in (runtime_role(role), role):
                if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
                    # DROP OWNED also revokes the role's privileges on shared objects (the database).
                    await conn.execute(
                        await conn.fetchval("SELECT format('DROP OWNED BY %I', $1::text)", name)
                    )
            for name in (runtime_role(role), role):
                if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
                    await conn.execute(await conn.fetchval("SELECT format('DROP ROLE %I', $1::text)", name))
    finally:
        await conn.close()
