"""Which households a caller may touch: the ULE's district, or every one for national roles.

A ULE (Unidad Local de Empadronamiento) registers the households of its municipality's district
(Directiva 001-2020-MIDIS: the household applies at the ULE of the district where it lives), so
its token names that district (`chasqui:ubigeo`) and it reads and writes households there only.
The targeting office (OFIS) and other national roles hold `registry:national`.
"""

from __future__ import annotations

from chasqui_common.auth.scope import AccessScope

from chasqui_registry.domain.errors import OutsideDistrict

NATIONAL_PREFIX = "registry"


def may_touch(scope: AccessScope, ubigeo: str) -> bool:
    """Whether a caller with `scope` may read or change a household of district `ubigeo`."""
    return scope.is_national(NATIONAL_PREFIX) or ubigeo in scope.ubigeos


def check_district(scope: AccessScope, ubigeo: str, *, field: str = "ubigeo") -> None:
    """OutsideDistrict (403) unless the caller may touch households of `ubigeo`."""
    if may_touch(scope, ubigeo):
        return
    allowed = ", ".join(sorted(scope.ubigeos)) or "none"
    raise OutsideDistrict(
        f"this token may touch households of district(s) {allowed} only",
        field=field,
        value=ubigeo,
        expected=f"a district of the token's chasqui:ubigeo claim ({allowed}) or a registry:national token",
    )
