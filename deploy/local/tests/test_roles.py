"""A service role can use nothing but its own schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema


@pytest_asyncio.fixture(loop_scope="session")
async def two_roles(postgres_admin_dsn: str) -> AsyncIterator[tuple[str, str, str, str]]:
    a, b = f"t_a{uuid.uuid4().hex[:8]}", f"t_b{uuid.uuid4().hex[:8]}"
    database = database_of(postgres_admin_dsn)
    dsn_a = await provision_service_schema(
        postgres_admin_dsn, database=database, schema=a, role=a, password="a-secret"
    )
    dsn_b = await provision_service_schema(
        postgres_admin_dsn, database=database, schema=b, role=b, password="b-secret"
    )
    try:
        yield a, dsn_a, b, dsn_b
    finally:
        for name in (a, b):
            await drop_service_schema(postgres_admin_dsn, schema=name, role=name, database=database)


async def test_role_cannot_read_or_create_in_another_roles_schema_nor_public(
    two_roles: tuple[str, str, str, str],
) -> None:
    a, dsn_a, b, dsn_b = two_roles
    conn_b = await asyncpg.connect(dsn_b)
    try:
        await conn_b.execute("CREATE TABLE secrets (v text)")  # lands in b's own schema
        await conn_b.execute("INSERT INTO secrets VALUES ('b only')")
    finally:
        await conn_b.close()

    conn_a = await asyncpg.connect(dsn_a)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn_a.fetch(f"SELECT * FROM {b}.secrets")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn_a.execute(f"CREATE TABLE {b}.intruder (v text)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn_a.execute("CREATE TABLE public.intruder (v text)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn_a.execute(f"CREATE SCHEMA {a}_extra")
        await conn_a.execute("CREATE TABLE mine (v text)")
        assert await conn_a.fetchval("SELECT current_schema()") == a
    finally:
        await conn_a.close()


async def test_role_logs_in_with_its_password_only(
    two_roles: tuple[str, str, str, str],
) -> None:
    _, dsn_a, _, _ = two_roles
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(dsn_a.replace("a-secret", "wrong"))


async def test_provisioning_twice_keeps_data_and_access(
    postgres_admin_dsn: str, two_roles: tuple[str, str, str, str]
) -> None:
    a, dsn_a, _, _ = two_roles
    conn = await asyncpg.connect(dsn_a)
    try:
        await conn.execute("CREATE TABLE kept (v int)")
    finally:
        await conn.close()
    again = await provision_service_schema(
        postgres_admin_dsn,
        database=database_of(postgres_admin_dsn),
        schema=a,
        role=a,
        password="a-secret",
    )
    assert again == dsn_a
    conn = await asyncpg.connect(again)
    try:
        assert await conn.fetchval("SELECT count(*) FROM kept") == 0
    finally:
        await conn.close()
