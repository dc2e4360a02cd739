"""The seeded generator writes the registry's ULE import format, and the registry reads all of it."""

from __future__ import annotations

from pathlib import Path

from chasqui_registry.adapters import import_files as registry_import
from chasqui_scenario import sample_households


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    households, rows = sample_households.write_csv(one, 40, seed=7)
    sample_households.write_csv(two, 40, seed=7)
    assert households == 40
    assert rows > 40
    assert one.read_bytes() == two.read_bytes()
    parsed = list(registry_import.ImportFile(one, "csv").households())
    assert [p.errors for p in parsed if p.errors] == []
    assert len(parsed) == 40
