"""Refusals as the console shows them: a Spanish sentence at the top and one beside each field.

The rules stay where they are (value types, domain, use cases); this module only words their
`DomainError`s and pydantic validation errors for a clerk, the way `chasqui_common.http.problems`
words them for an integrator. What it cannot translate it shows as the rule wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chasqui_common.errors import Conflict, DomainError, InvalidValue, NotFound, NotPermitted
from chasqui_common.redaction import echo
from pydantic import ValidationError

TITLES: Mapping[str, str] = {
    "invalid-value": "Un dato no es válido",
    "not-found": "No se encontró lo solicitado",
    "conflict": "La acción contradice el estado actual",
    "invalid-transition": "El estado actual no permite este cambio",
    "not-permitted": "No tiene permiso para esta acción",
    "unknown-municipality": "No hay datos de atención para esta municipalidad",
    "unknown-office": "La municipalidad no tiene esa oficina",
    "unknown-procedure": "La oficina no tiene ese trámite",
    "unknown-step": "El trámite no tiene ese paso",
    "unknown-sector": "La municipalidad no tiene ese sector",
    "citizen-not-found": "No se conoce a ninguna persona con ese documento",
    "citizen-already-known": "Ya se conoce a una persona con ese documento",
    "ticket-not-found": "No existe ese turno",
    "ticket-already-called": "El turno ya fue llamado",
    "ticket-transition-invalid": "El turno no puede pasar a ese estado",
    "ticket-office-mismatch": "El turno pertenece a otra oficina",
    "attention-not-found": "No existe ese registro de atención",
    "demuna-confidential": "Los registros de la DEMUNA son reservados (conciernen a menores de edad)",
    "referral-not-found": "No existe esa derivación",
    "referral-to-same-office": "La derivación debe ir a otra oficina",
    "referral-transition-invalid": "La derivación no puede pasar a ese estado",
    "deadline-in-past": "El plazo no puede ser anterior a hoy",
    "classification-request-not-found": "No existe esa solicitud de clasificación",
    "classification-request-step-invalid": "La solicitud de clasificación no está en ese paso",
    "date-in-future": "La fecha no puede ser posterior a hoy",
    "date-out-of-order": "La fecha es anterior a la del paso previo",
    "validation": "Revise los datos marcados",
}

STATUS_WORDS: Mapping[str, str] = {
    "issued": "emitido",
    "called": "llamado",
    "attended": "atendido",
    "closed": "cerrado",
    "no_show": "no se presentó",
    "pending": "pendiente",
    "accepted": "aceptada",
    "rejected": "rechazada",
    "completed": "completada",
    "resolved": "resuelto",
    "in_progress": "en trámite",
    "referred": "derivado",
    "withdrawn": "desistió",
    "registered": "registrada",
    "evaluated": "evaluada",
    "result_recorded": "con resultado",
}

# Beside which input of a console form the message about an API field goes (the rest by name).
DOCUMENT_FIELDS = {
    "type": "tipo",
    "number": "numero",
    "document": "numero",
    "document.type": "tipo",
    "document.number": "numero",
    "given_names": "nombres",
    "paternal_surname": "apellido_paterno",
    "maternal_surname": "apellido_materno",
    "birth_date": "nacimiento",
}
TICKET_FIELDS = {"office": "tramite", "procedure": "tramite", "citizen_id": "tramite"}
REFERRAL_FIELDS = {
    "from_office": "desde",
    "to_office": "hacia",
    "procedure": "hacia",
    "due_on": "plazo",
    "reason": "motivo",
    "scope": "desde",
}

# The `expected` texts of the shared value rules and this service's domain, in Spanish; anything
# else is shown as written.
_EXPECTED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), spanish)
    for pattern, spanish in (
        (r"^one of (.+)$", r"uno de: \1"),
        (r"^a date on or after (\S+)$", r"una fecha igual o posterior al \1"),
        (r"^a date on or before (\S+)$", r"una fecha igual o anterior al \1"),
        (r"^an office other than (\S+)$", r"una oficina distinta de \1"),
        (r"^an issued ticket$", "un turno emitido (aún no llamado)"),
        (r"^a token with (\S+)$", r"una sesión con el permiso \1"),
        (r"^a DNI: 8 digits.*$", "un DNI: 8 dígitos y un carácter de verificación opcional"),
        (
            r"^an? (CE|CPP|PTP) number: 6 to 12 letters or digits$",
            r"un número de \1: de 6 a 12 letras o dígitos",
        ),
        (r"^a passport number: 5 to 15 .*$", "un pasaporte: de 5 a 15 letras o dígitos"),
        (r"^a date as an ISO 8601 string YYYY-MM-DD.*$", "una fecha AAAA-MM-DD, por ejemplo 2026-03-14"),
        (r"^at most (\d+) characters$", r"como máximo \1 caracteres"),
        (r"^at least (\d+) characters?$", r"al menos \1 caracteres"),
        (r"^text on one line without control characters.*$", "texto en una línea, sin caracteres de control"),
        (r"^text without control characters other than tab.*$", "texto sin caracteres de control"),
        (r"^Field required$", "este dato es obligatorio"),
        (r"^Input should be a valid integer.*$", "un número entero"),
        (r"^Input should be greater than or equal to (\d+)$", r"un número mayor o igual a \1"),
        (r"^Input should be less than or equal to (\d+)$", r"un número menor o igual a \1"),
        (r"^Input should be greater than (\d+)$", r"un número mayor que \1"),
        (r"^Input should be (.+)$", r"\1"),
    )
)


def expected_in_spanish(expected: str) -> str:
    for pattern, spanish in _EXPECTED:
        if pattern.match(expected):
            return pattern.sub(spanish, expected)
    return expected


def title_of(error: DomainError) -> str:
    """The Spanish title of an error: its own code's, else its family's (not found, conflict...)."""
    if error.code in TITLES:
        return TITLES[error.code]
    for family in (NotFound, NotPermitted, Conflict, InvalidValue):
        if isinstance(error, family):
            return TITLES[family.code]
    return "La solicitud no cumple una regla del servicio"


@dataclass(frozen=True)
class FormErrors:
    """What to show after a refused form: `summary` at the top, `fields` beside each input."""

    summary: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def at(self, name: str) -> str | None:
        return self.fields.get(name)


def _field_message(lead: str, value: Any, expected: str | None, field: str) -> str:
    """`value` is echoed as the problem documents echo it: cut, and masked when `field` is personal."""
    parts = [lead]
    shown = echo(value, field)
    if shown not in (None, "", [], {}):
        parts.append(f"Valor: «{shown}».")
    if expected:
        parts.append(f"Se esperaba {expected_in_spanish(expected)}.")
    return " ".join(parts)


def from_domain_error(error: DomainError, fields: Mapping[str, str] | None = None) -> FormErrors:
    """`fields` maps the error's field names (the use case's) to the form's input names."""
    names = dict(fields or {})
    title = title_of(error)
    messages: dict[str, str] = {}
    for violation in error.violations:
        name = names.get(violation.field, violation.field)
        messages.setdefault(
            name, _field_message(title + ".", violation.value, violation.expected, violation.field)
        )
    return FormErrors(summary=title + ".", fields=messages)


def from_validation_error(error: ValidationError, fields: Mapping[str, str] | None = None) -> FormErrors:
    names = dict(fields or {})
    messages: dict[str, str] = {}
    for item in error.errors():
        loc = ".".join(str(part) for part in item.get("loc", ()))
        name = names.get(loc, loc)
        value = None if item.get("type") == "missing" else item.get("input")
        expected = str(item.get("msg", "")).removeprefix("Value error, ")
        messages.setdefault(name, _field_message("Dato no válido.", value, expected, loc))
    return FormErrors(summary=TITLES["validation"] + ".", fields=messages)
