"""Reading ULE files without a database: encodings, headers, CSV quoting, grouping into households."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from chasqui_common.events.registry import DocumentType, IdentityDocument
from chasqui_registry.adapters.import_files import CSV_COLUMNS, FileRefused, ImportFile
from chasqui_registry.domain.documents import normalize_document
from stdnum.pe import cui

HEADER = ",".join(CSV_COLUMNS)


def line(
    key: str, number: str, relationship: str = "HEAD", given: str = "Ñusta", birth: str = "01/02/1980"
) -> str:
    values = dict.fromkeys(CSV_COLUMNS, "")
    values.update(
        household_key=key,
        registering_unit="ULE-1",
        ubigeo="080101",
        address="Calle Tecsecocha 12",
        residence_since="2001-01-01",
        document_type="DNI",
        document_number=number,
        given_names=given,
        birth_date=birth,
        sex="F",
        relationship=relationship,
    )
    return ",".join(values[c] for c in CSV_COLUMNS)


def write(tmp_path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_fast_dni_path_agrees_with_stdnum() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        number = f"{rng.randint(0, 99_999_999):08d}"
        canonical = normalize_document(IdentityDocument(type=DocumentType.DNI, number=number)).number
        assert canonical == cui.validate(number)[:8]


def test_rows_group_into_households_and_dates_may_be_day_first(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEADER, line("A", "40000001"), line("A", "40000002", "SPOUSE"), line("B", "40000003")
    )
    parsed = list(ImportFile(path, "csv").households())
    assert [(p.household_key, p.rows) for p in parsed] == [("A", [2, 3]), ("B", [4])]
    assert parsed[0].draft is not None
    assert parsed[0].draft.members[0].birth_date.isoformat() == "1980-02-01"
    assert parsed[0].draft.members[0].given_names == "Ñusta"


def test_latin1_is_refused_as_utf8_with_the_line_and_read_when_declared(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, line("A", "40000001"), encoding="latin-1")
    with pytest.raises(FileRefused, match=r"not valid utf-8: byte 0xD1 .*line 2.*encoding=latin-1"):
        ImportFile(path, "csv")
    parsed = list(ImportFile(path, "csv", encoding="latin-1").households())
    assert parsed[0].draft is not None
    assert parsed[0].draft.members[0].given_names == "Ñusta"


def test_a_header_without_required_columns_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "household_key,given_names", "A,Rosa")
    with pytest.raises(FileRefused, match="lacks required column"):
        list(ImportFile(path, "csv").households())


def test_a_malformed_line_rejects_the_households_on_either_side(tmp_path: Path) -> None:
    broken = line("X", "40000009").replace("Calle Tecsecocha 12", '"Calle" Tecsecocha')
    path = write(
        tmp_path,
        HEADER,
        line("A", "40000001"),
        line("B", "40000002"),
        broken,
        line("C", "40000003"),
        line("D", "40000004"),
    )
    parsed = list(ImportFile(path, "csv").households())
    assert {p.household_key: bool(p.errors) for p in parsed} == {"A": False, "B": True, "C": True, "D": False}
    assert parsed[1].errors[0].row == 4


def test_a_household_split_across_the_file_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEADER, line("A", "40000001"), line("B", "40000002"), line("A", "40000003", "CHILD")
    )
    parsed = list(ImportFile(path, "csv").households())
    assert parsed[2].errors[0].field == "household_key"
    assert "consecutive" in parsed[2].errors[0].reason


def test_unknown_enum_value_names_the_csv_column(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, line("A", "40000001").replace(",F,HEAD,", ",Z,HEAD,"))
    parsed = list(ImportFile(path, "csv").households())
    assert [(e.row, e.field, e.value) for e in parsed[0].errors] == [(2, "sex", "Z")]
