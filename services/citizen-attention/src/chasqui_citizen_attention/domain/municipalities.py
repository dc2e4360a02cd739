"""A municipality's attention data: its offices, their procedures (steps, deadline in working days),
its own non-working days and its sectors, read from one data file per municipality
(`data/municipalities/<ubigeo>-<name>.yaml`). Adding a municipality is adding a file, not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from chasqui_common.errors import InvalidValue
from chasqui_common.values.dates import check_iso_date
from chasqui_common.values.ubigeo import check_ubigeo

from chasqui_citizen_attention.domain.errors import InvalidMunicipalData


class Office(StrEnum):
    """The four municipal offices of citizen attention."""

    CIAM = "CIAM"
    """Centro Integral del Adulto Mayor: people 60 and older."""
    DEMUNA = "DEMUNA"
    """Defensoría Municipal del Niño y del Adolescente: its records concern minors (confidential)."""
    OMAPED = "OMAPED"
    """Oficina Municipal de Atención a la Persona con Discapacidad."""
    ULE = "ULE"
    """Unidad Local de Empadronamiento: household registration and the CSE request (S100)."""


CONFIDENTIAL_OFFICES = frozenset({Office.DEMUNA})
"""Offices whose records only the attention:demuna scope reads (minors: Ley 29733, sensitive data)."""

CLASSIFICATION_REQUEST = "S100"
"""The ULE procedure code of the household classification request (form S100)."""


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    steps: tuple[str, ...]
    deadline_working_days: int


@dataclass(frozen=True)
class OfficeData:
    office: Office
    name: str
    procedures: tuple[Procedure, ...]


@dataclass(frozen=True)
class NonWorkingDay:
    day: date
    reason: str


@dataclass(frozen=True)
class Sector:
    code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    ubigeo: str
    name: str
    offices: tuple[OfficeData, ...]
    non_working_days: tuple[NonWorkingDay, ...]
    sectors: tuple[Sector, ...]


def _fail(where: str, value: Any, expected: str) -> InvalidMunicipalData:
    return InvalidMunicipalData(
        f"{where} is not valid: expected {expected}", field=where, value=value, expected=expected
    )


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where}.{key}", value, "a non-empty text")
    return value.strip()


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise _fail(f"{where}.{key}", value, "a list")
    return value


def parse_municipality(raw: Any, source: str = "file") -> Municipality:
    """The municipality described by a parsed data file (a mapping; see docs/citizen-attention.md).

    Raises InvalidMunicipalData naming the faulty key (e.g. `offices[1].procedures[0].steps`).
    Every office must be one of `Office`; procedure codes are unique per office; deadlines are
    whole working days of at least 1.
    """
    if not isinstance(raw, Mapping):
        raise _fail(source, type(raw).__name__, "a mapping with ubigeo, name, offices")
    try:
        ubigeo = check_ubigeo(raw.get("ubigeo"), "ubigeo")
    except InvalidValue as exc:
        raise _fail("ubigeo", raw.get("ubigeo"), exc.expected or "a district ubigeo") from None
    offices: list[OfficeData] = []
    for i, office_raw in enumerate(_list(raw, "offices", "")):
        where = f"offices[{i}]"
        if not isinstance(office_raw, Mapping):
            raise _fail(where, office_raw, "a mapping")
        code = office_raw.get("office")
        if not isinstance(code, str) or code not in Office.__members__:
            raise _fail(f"{where}.office", code, "one of " + ", ".join(Office))
        procedures: list[Procedure] = []
        for j, proc in enumerate(_list(office_raw, "procedures", where)):
            pwhere = f"{where}.procedures[{j}]"
            if not isinstance(proc, Mapping):
                raise _fail(pwhere, proc, "a mapping")
            steps = _list(proc, "steps", pwhere)
            if not steps or not all(isinstance(s, str) and s.strip() for s in steps):
                raise _fail(f"{pwhere}.steps", steps, "a non-empty list of step names")
            if len(set(steps)) != len(steps):
                raise _fail(f"{pwhere}.steps", steps, "step names that do not repeat")
            days = proc.get("deadline_working_days")
            if not isinstance(days, int) or isinstance(days, bool) or days < 1:
                raise _fail(f"{pwhere}.deadline_working_days", days, "a whole number of working days >= 1")
            procedures.append(
                Procedure(_text(proc, "code", pwhere), _text(proc, "name", pwhere), tuple(steps), days)
            )
        codes = [p.code for p in procedures]
        if len(set(codes)) != len(codes):
            raise _fail(f"{where}.procedures", codes, "procedure codes that do not repeat")
        offices.append(OfficeData(Office(code), _text(office_raw, "name", where), tuple(procedures)))
    if len({o.office for o in offices}) != len(offices) or not offices:
        raise _fail("offices", [o.office.value for o in offices], "each office once, at least one")
    days_off: list[NonWorkingDay] = []
    for i, item in enumerate(_list(raw, "non_working_days", "")):
        where = f"non_working_days[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, item, "a mapping with day and reason")
        day_raw = item.get("day")
        try:
            day = day_raw if isinstance(day_raw, date) else check_iso_date(day_raw, f"{where}.day")
        except InvalidValue:
            raise _fail(f"{where}.day", day_raw, "an ISO date YYYY-MM-DD") from None
        days_off.append(NonWorkingDay(day, _text(item, "reason", where)))
    sectors = [
        Sector(_text(s, "code", f"sectors[{i}]"), _text(s, "name", f"sectors[{i}]"))
        if isinstance(s, Mapping)
        else _raise(_fail(f"sectors[{i}]", s, "a mapping with code and name"))
        for i, s in enumerate(_list(raw, "sectors", ""))
    ]
    return Municipality(ubigeo, _text(raw, "name", ""), tuple(offices), tuple(days_off), tuple(sectors))


def _raise(error: Exception) -> Sector:
    raise error
