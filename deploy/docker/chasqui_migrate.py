"""Apply one service's database migrations and exit: the Kubernetes migration Job's command.

    python /app/chasqui_migrate.py            # service from $CHASQUI_SERVICE (set in the image)
    python /app/chasqui_migrate.py registry   # or named explicitly

It does exactly what the service does at start before it serves (chasqui_common.bootstrap
.start_runtime): the shared outbox/inbox migrations, then the service's numbered files, each in a
transaction, serialised across replicas by the same advisory lock. Settings come from the same
environment variables (DATABASE_URL, DB_SCHEMA). Running it twice is a no-op.

This lives in deploy/docker (not in the services) until chasqui_common.bootstrap offers the same as
a `--migrate-only` entry point; see docs/deployment.md, "Migrations".
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys


async def migrate(service: str) -> list[str]:
    from chasqui_common.bootstrap import ServiceDefinition
    from chasqui_common.db.migrations import apply_migrations, common_migrations, load_migrations
    from chasqui_common.db.pool import create_pool
    from chasqui_common.settings import ServiceSettings

    definition: ServiceDefinition = importlib.import_module(f"chasqui_{service}.main").DEFINITION
    settings = ServiceSettings()
    schema = settings.db_schema or definition.name
    migrations = common_migrations()
    if definition.migrations is not None:
        migrations += load_migrations(definition.migrations)
    pool = await create_pool(settings.database_url, schema=schema, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            return await apply_migrations(conn, schema, migrations)
    finally:
        await pool.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(message)s")
    service = argv[1] if len(argv) > 1 else os.environ.get("CHASQUI_SERVICE", "")
    if not service:
        print("usage: chasqui_migrate.py SERVICE (or set CHASQUI_SERVICE)", file=sys.stderr)
        return 2
    try:
        applied = asyncio.run(migrate(service))
    except Exception as exc:
        print(f"migrations of {service} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"{service}: applied {', '.join(applied) if applied else 'nothing (up to date)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
