"""Numbered SQL migrations: applied once each, recorded, refused when an applied file changes."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from chasqui_common.db.migrations import MigrationError, apply_migrations, common_migrations, load_migrations


async def test_migrations_apply_once_and_record_themselves(service_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "0001_people.sql").write_text("CREATE TABLE people (id int PRIMARY KEY);")
    (tmp_path / "0002_names.sql").write_text("ALTER TABLE people ADD COLUMN name text;")
    conn = await asyncpg.connect(service_db.dsn)
    try:
        migrations = common_migrations() + load_migrations(tmp_path)
        first = await apply_migrations(conn, service_db.schema, migrations)
        common = [m.name for m in common_migrations()]  # the plumbing tables, whatever their number
        assert common[:2] == ["0000_outbox_inbox.sql", "0001_idempotency_keys.sql"]
        assert first == [*common, "0001_people.sql", "0002_names.sql"]
        assert await apply_migrations(conn, service_db.schema, migrations) == []
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(common) + 2
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'people'",
                service_db.schema,
            )
            == 2
        )

        (tmp_path / "0002_names.sql").write_text("ALTER TABLE people ADD COLUMN nombre text;")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await apply_migrations(conn, service_db.schema, common_migrations() + load_migrations(tmp_path))
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(service_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "0001_broken.sql").write_text("CREATE TABLE a (id int); CREATE TABLE a (id int);")
    conn = await asyncpg.connect(service_db.dsn)
    try:
        with pytest.raises(asyncpg.DuplicateTableError):
            await apply_migrations(conn, service_db.schema, load_migrations(tmp_path))
        assert await conn.fetchval("SELECT to_regclass($1)", f"{service_db.schema}.a") is None
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 0
    finally:
        await conn.close()


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "people.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_lowercase_description\.sql"):
        load_migrations(tmp_path)
