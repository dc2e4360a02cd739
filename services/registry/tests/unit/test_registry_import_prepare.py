"""The CPU stage of the bulk import: the fast path agrees with the reference path (pydantic draft
+ domain rules) on every household it accepts, declines every household the rules reject, and
keeps row numbers when run in worker processes."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import random
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from chasqui_common.messaging.outbox import Outbox
from chasqui_registry.adapters.import_files import CSV_COLUMNS, ImportFile, ParsedHousehold
from chasqui_registry.application import import_prepare
from chasqui_registry.application.import_prepare import (
    EventTemplate,
    fast_csv_household,
    prepare_chunk,
    reference_household,
    uuid7,
)
from chasqui_registry.application.imports import default_workers
from chasqui_registry.main import DEFINITION
from chasqui_scenario.sample_households import TODAY, households

TEMPLATE = EventTemplate.of(Outbox(DEFINITION.source))
NOW = datetime(2025, 6, 1, 17, tzinfo=UTC)

# Values the rules refuse or the fast path must not take as they are.
MUTATIONS: dict[str, list[str]] = {
    "document_type": ["dni", "CPP", "PASSPORT", "NONE", "XX", ""],
    "document_number": ["", "10117410-2", "1011741X", "1234567", "ab12 345", "٠١٢٣٤٥٦٧", "CPP123456"],
    "given_names": ["", "x" * 121, "Rosa\tMaría", "Rosa\u00a0María", "Ñusta"],
    "paternal_surname": ["", "y" * 81, "Quispe\u00a0"],
    "birth_date": [
        "2099-01-01",
        "1899-12-31",
        "31/02/2000",
        "01/02/1980",
        "1980-2-1",
        "1980-02-01T00:00:00",
        "",
    ],
    "sex": ["f", "X", ""],
    "relationship": ["head", "HEAD", "CHILD", "BOSS", ""],
    "disability_severity": ["SEVERE", "none", "huge"],
    "disability_certified": ["sí", "x", "maybe", "1"],
    "pregnant": ["true", "no", "quizás"],
    "pension": ["ONP", "mucha"],
    "education_level": ["University", "phd"],
    "phone": ["+51987654321", "12", "987 654 321"],
    "email": ["rosa@example.pe", "rosa@", "ro\x01sa@example.pe"],
    "consent_sms": ["true"],
    "consent_email": ["yes"],
    "consent_whatsapp": ["1"],
    "ubigeo": ["150199", "15014", "150142"],
    "address": ["", "z" * 301],
    "residence_since": ["2099-01-01", "01/07/2012", "yesterday"],
    "cse_level": ["pobre", "RICO", ""],
    "cse_valid_from": ["2030-01-01", "", "2025-13-01"],
    "cse_valid_until": ["2020-01-01", "01/01/2029"],
    "cse_source": ["", "s" * 81],
    "registering_unit": ["u" * 81],
}


def parsed_from_rows(rows: list[dict[str, str]], tmp_path: Path) -> ParsedHousehold:
    """One household's rows through the real reader (grouping, row numbers)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    (parsed,) = list(ImportFile(path, "csv").groups())
    return parsed


def without_ids(data: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(data, sort_keys=True)
    household = data["household"]
    for member in household["members"]:
        text = text.replace(member["person_id"], "<person>")
    return dict(json.loads(text.replace(household["household_id"], "<household>")))


def both_ways(parsed: ParsedHousehold) -> tuple[Any, Any]:
    if parsed.errors:  # refused while reading (control characters): neither path sees it
        assert parsed.raw is None
        return None, None
    assert isinstance(parsed.raw, list)
    fast = fast_csv_household(parsed, parsed.raw, TODAY)
    reference = reference_household(parsed, TODAY)
    return fast, reference


def test_fast_path_equals_reference_path_on_generated_and_mutated_households(tmp_path: Path) -> None:
    rng = random.Random(3)
    agreed = declined = rejected = 0
    for index, rows in enumerate(households(400, seed=11)):
        if index % 2:
            # Mutate one cell of one member (or of the head, for household columns).
            target = rng.choice(rows)
            column = rng.choice(list(MUTATIONS))
            if column in ("ubigeo", "address", "residence_since", "registering_unit") or column.startswith(
                "cse_"
            ):
                target = rows[0]
            value = rng.choice(MUTATIONS[column])
            for member in rows if column == "registering_unit" else [target]:  # part of the row key
                member[column] = value
            if column == "consent_email" and rng.random() < 0.5:
                target["email"] = "kusi@example.pe"
        fast, reference = both_ways(parsed_from_rows(rows, tmp_path))
        if reference is None:
            assert fast is None, rows  # the fast path never accepts what the rules refuse
            rejected += 1
        elif fast is None:
            declined += 1  # unusual but valid: the reference path builds it
        else:
            assert without_ids(fast[0]) == without_ids(reference[0]), rows
            assert fast[1] == reference[1]
            agreed += 1
    assert agreed > 150, (agreed, declined, rejected)
    assert rejected > 40, (agreed, declined, rejected)
    # (a household the fast path declines but the rules accept: test_both_paths_produce_the_same_records)


def test_both_paths_produce_the_same_records(tmp_path: Path) -> None:
    rows = next(iter(households(1, seed=5)))
    rows[0]["document_number"] = "10117410-2"  # normalised by stdnum to 10117410
    rows[0]["given_names"] = "Rosa\u00a0María"  # valid, but the fast path leaves unusual spaces alone
    parsed = parsed_from_rows(rows, tmp_path)
    chunk = prepare_chunk([parsed], TEMPLATE, TODAY, NOW)
    assert (chunk.fast, len(chunk.prepared), chunk.errors) == (0, 1, [])
    prepared = chunk.prepared[0]
    assert prepared.documents[0][:3] == ("DNI", "10117410", 2)
    assert json.loads(prepared.persons[0][5])["document"] == {"type": "DNI", "number": "10117410"}
    event_id, event_type, topic, key, headers, body = prepared.outbox
    assert (event_type, topic, key) == (
        "pe.chasqui.registry.household.registered.v1",
        "registry.households",
        prepared.household[0],
    )
    assert json.loads(headers)["ce_id"] == event_id
    assert json.loads(headers)["ce_subject"] == prepared.household[0]
    assert json.loads(body)["household"]["members"][0]["person_id"] == prepared.persons[0][0]


def test_new_ids_are_time_ordered_version_7_uuids() -> None:
    ids = [uuid7() for _ in range(1000)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert len(set(ids)) == 1000
    assert ids[0][:13] <= ids[-1][:13]  # millisecond prefix never goes back


def test_chunks_prepared_in_worker_processes_keep_row_numbers(tmp_path: Path) -> None:
    rows = [row for household in households(30, seed=9) for row in household]
    rows[7]["sex"] = "X"  # a bad cell somewhere in the first chunk
    rows[-1]["birth_date"] = "2099-01-01"  # and in the last household
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "ule.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    groups = list(ImportFile(path, "csv").groups())
    chunks = [groups[i : i + 7] for i in range(0, len(groups), 7)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        results = list(
            pool.map(
                prepare_chunk, chunks, [TEMPLATE] * len(chunks), [TODAY] * len(chunks), [NOW] * len(chunks)
            )
        )
    errors = [e for r in results for e in r.errors]
    assert [(e.row, e.field, e.value) for e in errors] == [
        (9, "sex", "X"),
        (len(rows) + 1, "birth_date", "2099-01-01"),
    ]
    assert sum(len(r.prepared) for r in results) == 28
    # Rows of every prepared household are where the file has them (header = line 1).
    numbers = [d[2] for r in results for p in r.prepared for d in p.documents]
    by_line = {i + 2: row for i, row in enumerate(rows)}
    prepared = [p for r in results for p in r.prepared]
    for household in prepared:
        for _kind, number, line, column in household.documents:
            assert column == "document_number"
            assert by_line[line]["document_number"].startswith(number[:8]), (line, number)
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(
    ("size", "cpus", "expected"), [(1 << 20, 8, 0), (64 << 20, 2, 0), (64 << 20, 4, 2), (64 << 20, 32, 4)]
)
def test_worker_processes_only_for_big_files_on_machines_with_cores_to_spare(
    size: int, cpus: int, expected: int
) -> None:
    assert default_workers(size, cpus) == expected


def test_fast_path_counts() -> None:
    # Generated households are in the common shape: all take the fast path.
    parsed = []
    for index, rows in enumerate(households(50, seed=1)):
        group = ParsedHousehold(rows[0]["household_key"], rows[0]["registering_unit"], [index + 2])
        group.member_rows = list(range(index + 2, index + 2 + len(rows)))
        group.raw = [dict(row) for row in rows]
        parsed.append(group)
    chunk = import_prepare.prepare_chunk(parsed, TEMPLATE, TODAY, NOW)
    assert (chunk.fast, len(chunk.prepared), chunk.rejected) == (50, 50, 0)
    assert date.fromisoformat(json.loads(chunk.prepared[0].outbox[5])["household"]["residence_since"])
