"""A service's roles can use nothing but their own schema; the runtime role not even DDL there."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from chasqui_local.roles import (
    ServiceRoles,
    database_of,
    drop_service_schema,
    provision_service_roles,
    provision_service_schema,
    with_database,
)
from chasqui_local.stack import SERVICE_ROLES


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


# --- the runtime role: DML on its own schema, nothing else -------------------------------------


@pytest_asyncio.fixture(loop_scope="session")
async def service_roles(
    postgres_admin_dsn: str, request: pytest.FixtureRequest
) -> AsyncIterator[ServiceRoles]:
    """One service's owner and runtime roles (prefixed: role names are cluster-wide)."""
    name = f"t{uuid.uuid4().hex[:6]}_{request.param}"
    database = database_of(postgres_admin_dsn)
    roles = await provision_service_roles(
        postgres_admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    try:
        yield roles
    finally:
        await drop_service_schema(postgres_admin_dsn, schema=name, role=name, database=database)


@pytest.mark.parametrize("service_roles", SERVICE_ROLES, indirect=True)
async def test_each_runtime_role_has_dml_on_its_schema_and_no_ddl(
    service_roles: ServiceRoles, two_roles: tuple[str, str, str, str], postgres_admin_dsn: str
) -> None:
    schema = service_roles.owner
    assert service_roles.runtime == f"{schema}_app"
    # The owner migrates (also after provisioning: default privileges reach the runtime role).
    owner = await asyncpg.connect(service_roles.owner_dsn)
    try:
        await owner.execute("CREATE TABLE things (id bigint GENERATED ALWAYS AS IDENTITY, v text)")
    finally:
        await owner.close()
    other_schema, other_dsn, _, _ = two_roles
    other = await asyncpg.connect(other_dsn)
    try:
        await other.execute("CREATE TABLE theirs (v text)")
    finally:
        await other.close()

    conn = await asyncpg.connect(service_roles.runtime_dsn)
    try:
        assert await conn.fetchval("SELECT current_schema()") == schema
        await conn.execute("INSERT INTO things (v) VALUES ('a'), ('b')")
        await conn.execute("UPDATE things SET v = 'c' WHERE v = 'a'")
        await conn.execute("DELETE FROM things WHERE v = 'b'")
        assert await conn.fetchval("SELECT v FROM things") == "c"
        await conn.copy_records_to_table("things", columns=["v"], records=[("d",)])
        refused = [
            "CREATE TABLE mine (v text)",
            f"CREATE TABLE {schema}.mine (v text)",
            "ALTER TABLE things ADD COLUMN w text",
            "DROP TABLE things",
            "CREATE INDEX things_v ON things (v)",
            "TRUNCATE things",
            "CREATE TEMP TABLE scratch (v text)",
            "CREATE TABLE public.mine (v text)",
            f"CREATE SCHEMA {schema}_extra",
            f"SELECT * FROM {other_schema}.theirs",
            f"INSERT INTO {other_schema}.theirs VALUES ('x')",
        ]
        for statement in refused:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()
    # No other database: not `postgres`, not template1.
    for database in ("postgres", "template1"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(with_database(service_roles.runtime_dsn, database))
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(with_database(service_roles.owner_dsn, database))


async def test_the_owner_may_not_create_temporary_tables_either(two_roles: tuple[str, str, str, str]) -> None:
    _, dsn_a, _, _ = two_roles
    conn = await asyncpg.connect(dsn_a)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TEMP TABLE scratch (v text)")
    finally:
        await conn.close()
