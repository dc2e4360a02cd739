"""Municipal data files: the packaged Villa El Salvador file and the errors a broken file gets."""

from typing import Any

import pytest
import yaml
from chasqui_citizen_attention.adapters.data_files import PACKAGED, read_data_files
from chasqui_citizen_attention.domain.errors import InvalidMunicipalData
from chasqui_citizen_attention.domain.municipalities import Office, parse_municipality


def ves() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PACKAGED / "150142-villa-el-salvador.yaml").read_text())
    return data


def test_villa_el_salvador_has_its_four_offices_and_their_procedures() -> None:
    m = parse_municipality(ves())
    assert m.ubigeo == "150142"
    procedures = {o.office: [p.code for p in o.procedures] for o in m.offices}
    assert procedures == {
        Office.ULE: ["S100", "actualizacion", "reclamo"],
        Office.CIAM: ["inscripcion", "talleres", "orientacion"],
        Office.OMAPED: ["inscripcion_municipal", "certificado_conadis"],
        Office.DEMUNA: ["orientacion", "conciliacion_alimentos", "visita_seguimiento"],
    }
    assert all(p.steps and p.deadline_working_days >= 1 for o in m.offices for p in o.procedures)
    assert m.sectors
    assert m.non_working_days


def test_the_packaged_folder_is_read() -> None:
    assert [f.path.name for f in read_data_files()][:1] == ["150142-villa-el-salvador.yaml"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(ubigeo="999999"), "ubigeo"),
        (lambda d: d["offices"][0].update(office="MUNI"), "offices[0].office"),
        (lambda d: d["offices"][0]["procedures"][0].update(steps=[]), "offices[0].procedures[0].steps"),
        (
            lambda d: d["offices"][0]["procedures"][0].update(deadline_working_days=0),
            "offices[0].procedures[0].deadline_working_days",
        ),
        (lambda d: d["non_working_days"][0].update(day="2026-13-01"), "non_working_days[0].day"),
        (lambda d: d["offices"].append(d["offices"][0]), "offices"),
    ],
)
def test_a_broken_file_names_the_key_at_fault(change: Any, field: str) -> None:
    data = ves()
    change(data)
    with pytest.raises(InvalidMunicipalData) as err:
        parse_municipality(data)
    assert err.value.field == field
