"""The scenario's sample: every case the programs look at is there, valid for the registry's import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("chasqui_registry")

from chasqui_registry.adapters.import_files import ImportFile
from chasqui_scenario.peru import households

TODAY = date(2026, 11, 26)


def _age(birth: str) -> int:
    born = date.fromisoformat(birth)
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


@pytest.mark.parametrize("count", [6, 20])
def test_even_a_small_sample_has_every_profile(count: int) -> None:
    sample = households.build(count, 7, run_tag="R1", first_document=30_000_000, today=TODAY)
    rows = [row for h in sample.households for row in h.rows]
    assert any(_age(r["birth_date"]) >= 65 and r["pension"] == "none" for r in rows)
    assert any(r["pregnant"] == "true" for r in rows)
    assert any(_age(r["birth_date"]) < 3 for r in rows)
    assert any(3 <= _age(r["birth_date"]) < 19 for r in rows)
    assert any(r["disability_severity"] == "severe" and r["disability_certified"] == "true" for r in rows)
    assert any(r["pension"] != "none" for r in rows)
    assert any(r["consent_email"] == "true" and r["email"] for r in rows)
    assert any(r["consent_sms"] == "true" and r["phone"] for r in rows)
    assert any(not h.cse_level for h in sample.households)
    assert sample.households[0].ubigeo == households.VILLA_EL_SALVADOR
    assert len(sample.households) == count


def test_documents_are_unique_from_the_block_and_the_seed_decides_the_content() -> None:
    one = households.build(50, 7, run_tag="R1", first_document=30_000_000, today=TODAY)
    two = households.build(50, 7, run_tag="R2", first_document=40_000_000, today=TODAY)
    numbers = [r["document_number"] for h in one.households for r in h.rows if r["document_number"]]
    assert len(numbers) == len(set(numbers)) == len(one.documents)
    span = households.document_span(50)
    assert all(30_000_000 <= int(n.removeprefix("CPP")) < 30_000_000 + span for n in numbers)
    assert [h.key for h in one.households][:2] == ["R1-000000", "R1-000001"]
    assert [r["given_names"] for h in one.households for r in h.rows] == [
        r["given_names"] for h in two.households for r in h.rows
    ]


def test_the_registry_import_reads_every_household_without_an_error(tmp_path: Path) -> None:
    sample = households.build(60, 20250601, run_tag="R9", first_document=50_000_000, today=date.today())
    path = tmp_path / "ule.csv"
    path.write_bytes(sample.csv_bytes())
    parsed = list(ImportFile(path, "csv").households())
    assert [p.errors for p in parsed if p.errors] == []
    assert len(parsed) == 60
    assert sum(len(p.draft.members) for p in parsed if p.draft) == sample.people
