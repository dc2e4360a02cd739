"""Identifiers and codes the service accepts: documents, RUC, ubigeo, CNO/ISCO codes, skill tags.

Documents, ubigeo, phones, e-mails, dates and text follow the shared value rules
(`chasqui_common.values`, docs/values.md); this module adds the service's own choices (which
document types a job seeker may hold, consent per channel) and the codes only it uses (RUC
with python-stdnum, CNO/ISCO occupations, skill tags). Each check names the field, the value
and what was expected, so the API can answer precisely and a consumer can dead-letter precisely.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from functools import cache

from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType
from chasqui_common.values import (
    department_code,
    district_ubigeos,
    is_mobile,
    lookup_ubigeo,
    validate_document,
)
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pe import ruc

from chasqui_employment_matching.domain.errors import InvalidCode

JOB_SEEKER_DOCUMENTS = (
    DocumentType.DNI,
    DocumentType.CE,
    DocumentType.CPP,
    DocumentType.PTP,
    DocumentType.PASSPORT,
)
JOB_SEEKER_DOCUMENTS_EXPECTED = "one of " + ", ".join(d.value for d in JOB_SEEKER_DOCUMENTS)
_OCCUPATION = re.compile(r"[0-9]{4}")
MOBILE_EXPECTED = "a mobile phone number in contact.phone (SMS and WhatsApp cannot reach a landline)"


def accept_document_type(field: str, type_: DocumentType) -> DocumentType:
    """The document types a job seeker may be registered with (not REFUGEE_APPLICANT or NONE)."""
    if type_ not in JOB_SEEKER_DOCUMENTS:
        raise InvalidCode(field, type_.value, JOB_SEEKER_DOCUMENTS_EXPECTED)
    return type_


def normalise_document(
    field: str, type_: DocumentType, number: str | None, *, number_field: str | None = None
) -> str:
    """The canonical number of a job seeker's document, by the shared rule (`validate_document`).

    Errors name `<field>.type` / `<field>.number` (or `number_field`, e.g. a query parameter).
    """
    accept_document_type(f"{field}.type", type_)
    where = number_field or f"{field}.number"
    try:
        canonical = validate_document(type_, number, field)
    except InvalidValue as exc:
        raise InvalidCode(where, number, exc.expected or exc.detail) from None
    if canonical is None:  # pragma: no cover - only NONE has no number, and NONE is refused above
        raise InvalidCode(where, number, "a document number to identify the job seeker")
    return canonical


def channel_consent(field: str, phone: str | None, *, sms: bool, whatsapp: bool) -> tuple[bool, bool]:
    """SMS and WhatsApp consent only with a mobile number (`is_mobile` of the E.164 phone).

    Refuses `<field>.sms` / `<field>.whatsapp` when given for a landline or no phone at all.
    """
    mobile = phone is not None and is_mobile(phone)
    for channel, given in (("sms", sms), ("whatsapp", whatsapp)):
        if given and not mobile:
            raise InvalidCode(f"{field}.{channel}", given, MOBILE_EXPECTED)
    return sms, whatsapp


def check_uuid(field: str, value: str) -> str:
    """An identifier the service assigned: a UUID."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise InvalidCode(field, value, "a UUID") from None
    return str(parsed)


def normalise_ruc(field: str, value: str) -> str:
    """A RUC checked with python-stdnum (11 digits, valid prefix and check digit)."""
    try:
        return str(ruc.validate(value))
    except StdnumError as exc:
        raise InvalidCode(
            field, value, f"a valid RUC: 11 digits with a correct check digit ({exc})"
        ) from None


def department_name(code: str) -> str:
    """The name of department `code` (2 digits), from the shared ubigeo table, or the code if unknown."""
    return _department_names().get(code, code)


@cache
def _department_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for ubigeo in district_ubigeos():
        place = lookup_ubigeo(ubigeo)
        if place is not None:
            names.setdefault(department_code(ubigeo), place.department)
    return names


def check_occupation(field: str, value: str) -> str:
    """A CNO 2015 / ISCO-08 unit group code: 4 digits (major, sub-major, minor, unit group)."""
    if not _OCCUPATION.fullmatch(value):
        raise InvalidCode(field, value, "a CNO 2015 / ISCO-08 unit group: 4 digits, e.g. 5120")
    return value


def is_occupation(value: str) -> bool:
    """A CNO 2015 / ISCO-08 unit group code: 4 ASCII digits."""
    return _OCCUPATION.fullmatch(value) is not None


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
