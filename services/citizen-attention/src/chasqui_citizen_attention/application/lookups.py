"""Lookups shared by commands and queries: a municipality's data, an office's procedure, a citizen;
each raises the service's specific error when the name is unknown."""

from __future__ import annotations

from datetime import date

from chasqui_common.db.pool import Connection

from chasqui_citizen_attention.adapters import repository
from chasqui_citizen_attention.domain.errors import (
    CitizenNotFound,
    UnknownMunicipality,
    UnknownOffice,
    UnknownProcedure,
    UnknownSector,
    UnknownStep,
)
from chasqui_citizen_attention.domain.municipalities import Municipality, Office, OfficeData, Procedure
from chasqui_citizen_attention.domain.records import Citizen


async def municipality(conn: Connection, ubigeo: str) -> Municipality:
    found = await repository.municipality(conn, ubigeo)
    if found is None:
        known = await repository.municipality_ubigeos(conn)
        raise UnknownMunicipality(
            f"no attention data is loaded for municipality {ubigeo}",
            field="municipality",
            value=ubigeo,
            expected="one of " + (", ".join(known) or "none loaded yet"),
        )
    return found


def office(m: Municipality, code: Office) -> OfficeData:
    for o in m.offices:
        if o.office is code:
            return o
    raise UnknownOffice(
        f"{m.name} has no {code.value} office",
        field="office",
        value=code.value,
        expected="one of " + ", ".join(o.office.value for o in m.offices),
    )


def procedure(m: Municipality, code: Office, name: str) -> Procedure:
    data = office(m, code)
    for p in data.procedures:
        if p.code == name:
            return p
    raise UnknownProcedure(
        f"{code.value} of {m.name} has no procedure {name!r}",
        field="procedure",
        value=name,
        expected="one of " + ", ".join(p.code for p in data.procedures),
    )


def step(p: Procedure, name: str) -> str:
    if name not in p.steps:
        raise UnknownStep(
            f"procedure {p.code} has no step {name!r}",
            field="step",
            value=name,
            expected="one of " + ", ".join(p.steps),
        )
    return name


def sector(m: Municipality, code: str) -> str:
    if code not in {s.code for s in m.sectors}:
        raise UnknownSector(
            f"{m.name} has no sector {code!r}",
            field="sector",
            value=code,
            expected="one of " + ", ".join(s.code for s in m.sectors),
        )
    return code


async def citizen(conn: Connection, citizen_id: str, field: str = "citizen_id") -> Citizen:
    found = await repository.citizen(conn, citizen_id)
    if found is None:
        raise CitizenNotFound(
            f"no citizen {citizen_id}", field=field, value=citizen_id, expected="the id of a known citizen"
        )
    return found


def days_off(m: Municipality) -> list[date]:
    """The municipality's own non-working days (national holidays come from the calendar)."""
    return [d.day for d in m.non_working_days]
