"""Least-privilege PostgreSQL roles: each service logs in as a role that owns one schema."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check_identifier(kind: str, value: str) -> None:
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{kind}={value!r} is not a plain lower-case SQL identifier "
            "(expected [a-z_][a-z0-9_]*, at most 63 characters)"
        )


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


async def provision_service_schema(
    admin_dsn: str, *, database: str, schema: str, role: str, password: str
) -> str:
    """Idempotently give `role` a password login, its own `schema`, and nothing else.

    Returns the DSN the service connects with.
    """
    _check_identifier("database", database)
    _check_identifier("schema", schema)
    _check_identifier("role", role)
    await _ensure_database(admin_dsn, database)
    conn = await asyncpg.connect(with_database(admin_dsn, database), timeout=10)
    try:
        # Roles and the database ACL are shared rows: concurrent GRANT/REVOKE/DROP OWNED on them fail
        # with "tuple concurrently updated", so every provisioning and drop takes one lock.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ROLES_LOCK)
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            verb = "ALTER" if exists else "CREATE"
            await conn.execute(
                await conn.fetchval(
                    "SELECT format('%s ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    "NOREPLICATION NOBYPASSRLS PASSWORD %L', $1::text, $2::text, $3::text)",
                    verb,
                    role,
                    password,
                )
            )
            statements = [
                "REVOKE CREATE, USAGE ON SCHEMA public FROM PUBLIC",
                "REVOKE CONNECT, TEMPORARY ON DATABASE %1$I FROM PUBLIC",
                "GRANT CONNECT ON DATABASE %1$I TO %3$I",
                "CREATE SCHEMA IF NOT EXISTS %2$I AUTHORIZATION %3$I",
                "ALTER SCHEMA %2$I OWNER TO %3$I",
                "REVOKE ALL ON SCHEMA %2$I FROM PUBLIC",
                "ALTER ROLE %3$I SET search_path TO %2$I",
            ]
            for template in statements:
                sql = await conn.fetchval(
                    "SELECT format($1::text, $2::text, $3::text, $4::text)",
                    template,
                    database,
                    schema,
                    role,
                )
                await conn.execute(sql)
    finally:
        await conn.close()
    return role_dsn(admin_dsn, role=role, password=password, database=database)


async def drop_service_schema(admin_dsn: str, *, schema: str, role: str, database: str | None = None) -> None:
    """Drop the schema (with its objects) and the role; a no-op for what is already gone.

    `database` defaults to the one the admin DSN points at.
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
            if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                # DROP OWNED also revokes the role's privileges on shared objects (the database).
                await conn.execute(await conn.fetchval("SELECT format('DROP OWNED BY %I', $1::text)", role))
                await conn.execute(await conn.fetchval("SELECT format('DROP ROLE %I', $1::text)", role))
    finally:
        await conn.close()
