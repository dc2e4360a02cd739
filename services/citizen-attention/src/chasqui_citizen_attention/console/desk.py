"""What the forms offer at a municipality's desks: its offices, procedures, steps and sectors (from
its data file, through the use cases), and the Spanish words for the service's codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chasqui_common.bootstrap import UseCases

from chasqui_citizen_attention.application import queries
from chasqui_citizen_attention.application.models import GetMunicipalityQuery
from chasqui_citizen_attention.console.session import Clerk
from chasqui_citizen_attention.domain.municipalities import Municipality, Office, OfficeData
from chasqui_citizen_attention.domain.records import Channel, KnownFrom, Outcome, TimelineKind

Options = list[tuple[str, str]]
Groups = list[tuple[str, Options]]

CHANNELS: Mapping[str, str] = {
    Channel.IN_PERSON: "Presencial",
    Channel.PHONE: "Teléfono",
    Channel.HOME_VISIT: "Visita domiciliaria",
    Channel.VIRTUAL: "Virtual",
}
OUTCOMES: Mapping[str, str] = {
    Outcome.RESOLVED: "Resuelto",
    Outcome.IN_PROGRESS: "En trámite",
    Outcome.REFERRED: "Derivado a otra oficina",
    Outcome.WITHDRAWN: "Desistió",
}
KNOWN_FROM: Mapping[str, str] = {
    KnownFrom.REGISTRY: "Padrón General de Hogares",
    KnownFrom.MIGRANT_SERVICES: "Migracentro",
    KnownFrom.EMPLOYMENT_MATCHING: "Centro de Empleo",
    KnownFrom.COUNTER: "Registrada en el mostrador (no está en el padrón)",
}
KINDS: Mapping[str, str] = {
    TimelineKind.TICKET: "Turno",
    TimelineKind.ATTENTION: "Atención",
    TimelineKind.REFERRAL: "Derivación",
    TimelineKind.CLASSIFICATION_REQUEST: "Solicitud de clasificación (S100)",
}
CSE: Mapping[str, str] = {"POBRE_EXTREMO": "pobre extremo", "POBRE": "pobre", "NO_POBRE": "no pobre"}
DOCUMENT_TYPES: Options = [
    ("DNI", "DNI"),
    ("CE", "Carné de extranjería (CE)"),
    ("CPP", "Carné de permiso temporal de permanencia (CPP)"),
    ("PTP", "Permiso temporal de permanencia (PTP)"),
    ("PASSPORT", "Pasaporte"),
]
UNDECIDED = "trámite por definir"


def words(step: str) -> str:
    """A step or code of the data file as a label: `visita_domiciliaria_fsu` -> `Visita domiciliaria fsu`."""
    return step.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Desk:
    """A municipality's data as the forms offer it."""

    municipality: Municipality

    def office(self, code: str) -> OfficeData | None:
        return next((o for o in self.municipality.offices if o.office.value == code), None)

    def office_options(self) -> Options:
        return [(o.office.value, f"{o.office.value} — {o.name}") for o in self.municipality.offices]

    def procedure_groups(self) -> Groups:
        """One group per office: `OFFICE|` (procedure to be decided) and `OFFICE|<code>` per procedure."""
        return [
            (
                f"{o.office.value} — {o.name}",
                [(f"{o.office.value}|", f"{o.office.value}: {UNDECIDED}")]
                + [(f"{o.office.value}|{p.code}", f"{o.office.value}: {p.name}") for p in o.procedures],
            )
            for o in self.municipality.offices
        ]

    def step_groups(self, office: Office) -> Groups:
        """The office's procedures, each with its steps as `<procedure>|<step>`."""
        data = self.office(office.value)
        if data is None:
            return []
        return [
            (p.name, [(f"{p.code}|{step}", f"{p.name} — {words(step)}") for step in p.steps])
            for p in data.procedures
        ]

    def sector_options(self) -> Options:
        return [("", "Sin indicar")] + [(s.code, s.name) for s in self.municipality.sectors]

    def procedure_names(self) -> dict[tuple[str, str], str]:
        return {(o.office.value, p.code): p.name for o in self.municipality.offices for p in o.procedures}


_CODES_IN_DETAIL = {**CHANNELS, **OUTCOMES}


def words_in_detail(detail: str) -> str:
    """A timeline entry's detail with the service's codes (channels, outcomes) in Spanish words."""
    for code, spanish in _CODES_IN_DETAIL.items():
        detail = detail.replace(str(code), spanish.lower())
    return detail.replace("_", " ")


async def desk_of(run: UseCases, clerk: Clerk) -> Desk:
    """The clerk's municipality, as its data file describes it."""
    return Desk(await run.query(queries.get_municipality, GetMunicipalityQuery(clerk.municipality)))


def blank_to_none(form: dict[str, str]) -> dict[str, str | None]:
    """An empty input is an absent value (the API's optional fields), not an empty text."""
    return {key: (value.strip() or None) for key, value in form.items()}


def split_choice(value: str) -> tuple[str, str | None]:
    """`OFFICE|procedure` (or `procedure|step`) -> its two parts; an empty second part is None."""
    first, _, second = value.partition("|")
    return first, second or None
