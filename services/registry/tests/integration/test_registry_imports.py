"""Bulk ULE import on the real Postgres and Kafka: bad rows reported, good rows imported, re-import idempotent."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.auth.scope import Caller
from chasqui_common.db.migrations import apply_migrations, common_migrations, load_migrations
from chasqui_common.db.pool import create_pool
from chasqui_common.messaging.outbox import Outbox
from chasqui_registry.adapters.import_files import CSV_COLUMNS
from chasqui_registry.application import imports
from chasqui_registry.main import DEFINITION
from chasqui_testing import RunningService, collect_records, running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNIT = "ULE-150142"


def row(key: str, number: str | None, relationship: str = "HEAD", **overrides: str) -> dict[str, str]:
    values = {
        "household_key": key,
        "registering_unit": UNIT,
        "ubigeo": "150142",
        "address": "Sector 1, Grupo 4, Mz. C Lt. 9",
        "residence_since": "2015-03-01",
        "cse_level": "POBRE" if relationship == "HEAD" else "",
        "cse_valid_from": "2025-01-01" if relationship == "HEAD" else "",
        "cse_valid_until": "2028-01-01" if relationship == "HEAD" else "",
        "document_type": "DNI" if number else "NONE",
        "document_number": number or "",
        "given_names": "Túpac Yupanqui",
        "paternal_surname": "Ñaupa",
        "maternal_surname": "Ccori",
        "birth_date": "14/03/1972" if relationship == "HEAD" else "2016-08-20",
        "sex": "M",
        "relationship": relationship,
        "pension": "none",
    }
    values.update(overrides)
    return values


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


async def upload(service: RunningService, path: Path, **form: str) -> dict[str, Any]:
    async with service.client("registry:write", "registry:read") as client:
        with path.open("rb") as handle:
            response = await client.post("/v1/imports", files={"file": (path.name, handle)}, data=form)
        assert response.status_code == 202, response.text
        location = response.json()["location"]
        for _ in range(200):
            status = (await client.get(location)).json()
            if status["status"] in ("completed", "failed"):
                return dict(status)
            await asyncio.sleep(0.05)
    raise AssertionError(f"import did not finish: {status}")


def service_for(service_db: Any, kafka: str, tmp_path: Path) -> Any:
    return running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka,
        auth_dir=tmp_path / "auth",
    )


def errors_by_key(status: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for error in status["errors"]:
        grouped.setdefault(error["household_key"] or "", []).append(error)
    return grouped


async def test_each_kind_of_bad_row_is_reported_and_good_rows_are_imported_once(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    rows = [
        row("OK-1", "40123451"),
        row("OK-1", None, "CHILD", given_names="Sumaq", sex="F"),
        row("BAD-DNI", "4012345X"),
        row("BAD-UBIGEO", "40123453", ubigeo="150199"),
        row("TWO-HEADS", "40123454"),
        row("TWO-HEADS", "40123455"),
        row("NO-HEAD", "40123456", "SPOUSE"),
        row("FUTURE", "40123457"),
        row("FUTURE", None, "CHILD", birth_date="2099-01-01"),
        row("ENUM", "40123458", pension="mucha"),
        row("DUP-A", "40123459"),
        row("DUP-B", "40123460"),
        row("DUP-B", "40123459", "SPOUSE", sex="F"),
        row("MISSING", "40123461", given_names=""),
        row("OK-2", "40123462", given_names="María Ángeles", sex="F", pregnant="sí"),
    ]
    path = write_csv(tmp_path / "ule.csv", rows)
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        status = await upload(service, path)
        assert status["status"] == "completed", status
        assert status["rows_read"] == len(rows)
        assert status["households_read"] == 11
        assert status["households_imported"] == 3  # OK-1, DUP-A, OK-2
        assert status["households_rejected"] == 8
        errors = errors_by_key(status)
        expectations = {
            "BAD-DNI": (4, "document_number", "4012345X"),
            "BAD-UBIGEO": (5, "ubigeo", "150199"),
            "TWO-HEADS": (7, "relationship", "HEAD"),
            "NO-HEAD": (8, "relationship", None),
            "FUTURE": (10, "birth_date", "2099-01-01"),
            "ENUM": (11, "pension", "mucha"),
            "DUP-B": (14, "document_number", "40123459"),
            "MISSING": (15, "given_names", None),
        }
        for key, (line, field, value) in expectations.items():
            assert [(e["row_number"], e["field"], e["value"]) for e in errors[key]] == [
                (line, field, value)
            ], key
            assert errors[key][0]["reason"]
        assert "DUP-A" in errors["DUP-B"][0]["reason"]
        assert set(errors) == set(expectations)

        async with service.client("registry:read") as client:
            found = (
                await client.get(
                    "/v1/persons", params={"document_type": "DNI", "document_number": "40123462"}
                )
            ).json()
            member = found[0]["member"]
            assert member["given_names"] == "María Ángeles"
            assert member["pregnant"] is True
            hid = found[0]["household_id"]
            household = (await client.get(f"/v1/households/{hid}")).json()["household"]
            assert household["classification"]["level"] == "POBRE"

        # The same file again creates nothing and emits nothing.
        again = await upload(service, path)
        assert (again["households_imported"], again["households_skipped"]) == (0, 3)
        pool = service.runtime.pool
        assert await pool.fetchval("SELECT count(*) FROM households") == 3
        assert (
            await pool.fetchval("SELECT count(*) FROM outbox WHERE event_type LIKE '%household.registered%'")
            == 3
        )

        # Each imported household reaches Kafka as one household.registered event.
        ids = {str(r["household_id"]) for r in await pool.fetch("SELECT household_id FROM households")}
        seen: dict[str, int] = {}
        for _ in range(10):
            records = await collect_records(
                kafka_bootstrap_servers, "registry.households", count=1, timeout=5, idle_after_count=1
            )
            seen = {}
            for record in records:
                key = record.key.decode() if record.key else ""
                if key in ids:
                    assert dict(record.headers)["ce_type"] == b"pe.chasqui.registry.household.registered.v1"
                    seen[key] = seen.get(key, 0) + 1
            if len(seen) == 3:
                break
        assert seen == dict.fromkeys(ids, 1)


async def test_malformed_quoting_rejects_only_the_households_next_to_it(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "quoting.csv",
        [row("Q-1", "40200001"), row("Q-2", "40200002"), row("Q-3", "40200003"), row("Q-4", "40200004")],
    )
    lines = path.read_text().splitlines()
    # A stray quote after a quoted field, between Q-2's and Q-3's rows.
    lines.insert(3, lines[2].replace("Q-2", "Q-X").replace("Sector 1", '"Sector" 1'))
    path.write_text("\n".join(lines) + "\n")
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        status = await upload(service, path)
        assert status["households_imported"] == 2
        errors = errors_by_key(status)
        assert "malformed CSV" in errors["Q-2"][0]["reason"]
        assert errors["Q-2"][0]["row_number"] == 4
        assert set(errors) == {"Q-2", "Q-3"}
        keys = {
            r["import_key"] for r in await service.runtime.pool.fetch("SELECT import_key FROM households")
        }
        assert keys == {f"{UNIT}/Q-1", f"{UNIT}/Q-4"}


async def test_latin1_file_is_refused_clearly_unless_its_encoding_is_given(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "latin1.csv",
        [row("L-1", "40300001", paternal_surname="Ñahui", given_names="José")],
        "latin-1",
    )
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        refused = await upload(service, path)
        assert refused["status"] == "failed"
        assert "not valid utf-8" in refused["error"]
        assert "latin-1" in refused["error"]
        assert "line 2" in refused["error"]
        accepted = await upload(service, path, encoding="latin-1")
        assert accepted["households_imported"] == 1, accepted
        async with service.client("registry:read") as client:
            found = (
                await client.get(
                    "/v1/persons", params={"document_type": "DNI", "document_number": "40300001"}
                )
            ).json()
        assert found[0]["member"]["paternal_surname"] == "Ñahui"
        assert found[0]["member"]["given_names"] == "José"


async def test_cli_imports_jsonl_and_refuses_documents_of_registered_households(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    def household(key: str, number: str) -> dict[str, Any]:
        return {
            "household_key": key,
            "registering_unit": "ULE-110101",
            "ubigeo": "110101",
            "address": "Calle Lima 245, Ica",
            "residence_since": "2019-05-01",
            "members": [
                {
                    "document": {"type": "DNI", "number": number},
                    "given_names": "Yessenia",
                    "paternal_surname": "Huarcaya",
                    "birth_date": "1990-11-02",
                    "sex": "F",
                    "relationship": "HEAD",
                    "pregnant": True,
                },
                {
                    "document": {"type": "CPP", "number": "CPP123456"} if key == "J-1" else {"type": "NONE"},
                    "given_names": "Luis",
                    "birth_date": "1988-01-01",
                    "sex": "M",
                    "relationship": "SPOUSE",
                },
            ],
        }

    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        async with service.client("registry:write") as client:
            taken = household("API", "40400002")
            del taken["household_key"]
            assert (await client.post("/v1/households", json=taken)).status_code == 201
        path = tmp_path / "ule.jsonl"
        path.write_text(
            "\n".join(
                [
                    json.dumps(household("J-1", "40400001"), ensure_ascii=False),
                    json.dumps(household("J-2", "40400002")),
                    '{"household_key": "J-3", "members": [',
                ]
            )
            + "\n"
        )
        env = {
            **os.environ,
            "DATABASE_URL": service_db.dsn,
            "DB_SCHEMA": service_db.schema,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        }
        command = [sys.executable, "-c", "from chasqui_registry.cli import main; main()", str(path)]
        done = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "1 imported" in done.stderr
        assert "2 rejected" in done.stderr
        assert "not JSON" in done.stderr
        row = await service.runtime.pool.fetchrow("SELECT * FROM import_errors WHERE household_key = 'J-2'")
        assert row["field"] == "members.0.document.number"
        assert "registered household" in row["reason"]


async def test_parallel_import_keeps_row_numbers_and_refuses_documents_across_batches(
    service_db: Any, tmp_path: Path
) -> None:
    """Worker processes validate the batches; the main process commits them in file order, so a
    document used again three batches later is refused naming the household that has it."""
    rows = [
        row("P-1", "40500001"),
        row("P-1", None, "CHILD"),
        row("P-2", "40500002"),
        row("P-3", "40500003", ubigeo="150199"),  # batch 2: unknown ubigeo
        row("P-4", "40500004"),
        row("P-5", "40500005"),
        row("P-5", "40500001", "SPOUSE", sex="F"),  # batch 3: P-1's document
        row("P-6", "40500006"),
        row("P-2", "40500007"),  # P-2 again, not consecutive
        row("P-7", "40500008", birth_date="2099-01-01"),
        row("P-8", "40500009"),
    ]
    path = write_csv(tmp_path / "parallel.csv", rows)
    pool = await create_pool(service_db.dsn, schema=service_db.schema, min_size=1, max_size=2)
    try:
        assert DEFINITION.migrations is not None
        async with pool.acquire() as conn:
            await apply_migrations(
                conn, service_db.schema, common_migrations() + load_migrations(DEFINITION.migrations)
            )
        run = Transactions(pool, Outbox(DEFINITION.source))
        started = await run.command(
            imports.start_import, imports.StartImport(path.name, "csv", Caller.service("test", "registry"))
        )
        report = await imports.run_import(
            run, imports.RunImport(started.import_id, path, "csv", batch_size=2, workers=2)
        )
        assert report.status == "completed", report.error
        assert (report.households_read, report.imported, report.rejected) == (9, 5, 4)
        assert sorted((e.row, e.household_key, e.field, e.value) for e in report.errors) == [
            (5, "P-3", "ubigeo", "150199"),
            (8, "P-5", "document_number", "40500001"),
            (10, "P-2", "household_key", "P-2"),
            (11, "P-7", "birth_date", "2099-01-01"),
        ]
        taken = next(e for e in report.errors if e.household_key == "P-5")
        assert f"row key {UNIT}/P-1" in taken.reason
        keys = {r["import_key"] for r in await pool.fetch("SELECT import_key FROM households")}
        assert keys == {f"{UNIT}/P-{n}" for n in (1, 2, 4, 6, 8)}
        assert await pool.fetchval("SELECT count(*) FROM persons") == 6
        events = await pool.fetch(
            "SELECT message_key, body FROM outbox WHERE topic = 'registry.households' ORDER BY position"
        )
        assert len(events) == 5
        ids = {str(r["household_id"]) for r in await pool.fetch("SELECT household_id FROM households")}
        assert {e["message_key"] for e in events} == ids
        assert all(json.loads(e["body"])["household"]["household_id"] == e["message_key"] for e in events)

        # Again, in one process this time: everything already there is skipped, nothing emitted.
        again_id = (
            await run.command(
                imports.start_import,
                imports.StartImport(path.name, "csv", Caller.service("test", "registry")),
            )
        ).import_id
        again = await imports.run_import(
            run, imports.RunImport(again_id, path, "csv", batch_size=2, workers=0)
        )
        assert (again.imported, again.skipped, again.rejected) == (0, 5, 4)
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE topic = 'registry.households'") == 5
    finally:
        await pool.close()
