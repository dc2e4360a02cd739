"""Identity documents: one definition per document type, used by every service and event model.

`validate_document(type, number, field)` returns the canonical number (what uniqueness and
matching compare) or raises InvalidValue on `<field>.number` / `<field>.type`. Letters are
upper-cased; spaces, and for every type but REFUGEE_APPLICANT `-` and `.`, are removed
(`10117410-2`, `ab 123 456` → `10117410`, `AB123456`). Before that the number must be clean
`Text` (no control characters). The rule per type, and where it comes from:

- DNI (RENIEC, Documento Nacional de Identidad; the number is the CUI, Código Único de
  Identificación): 8 digits, optionally followed by its check character (a digit or a letter
  A–K), verified with python-stdnum `stdnum.pe.cui`. Kept as the 8 digits: `10117410` and
  `10117410-2` are the same person.
- CE (Carné de Extranjería), CPP (Carné de Permiso Temporal de Permanencia) and PTP (Permiso
  Temporal de Permanencia), issued by the Superintendencia Nacional de Migraciones: Migraciones
  publishes no check digit and no fixed length (carnés in circulation carry 9 digits, CPP and PTP
  numbers also letters); rule: 6 to 12 letters A–Z or digits, the range every service used.
- PASSPORT: ICAO Doc 9303 (8th ed., 2021), Part 3 §4.3: the machine-readable zone holds the
  document number in the characters A–Z and 0–9 only; Parts 4 and 5 give it 9 positions and let
  a longer number overflow into the optional data (Part 5 §4.2.4). ICAO sets no other length;
  rule: 5 to 15 letters A–Z or digits (the widest range in use in Chasqui: a 13-character
  passport recorded by migrant-services is accepted by every service).
- REFUGEE_APPLICANT (carné de solicitante de refugio, Comisión Especial para los Refugiados,
  Ministerio de Relaciones Exteriores): no published format; rule: 4 to 20 letters, digits or `-`
  (hyphens are part of the number and kept).
- NONE: the person shows no document; the number must be absent (null or empty) and is None.

Models use `IdentityDocument` (`{"type": ..., "number": ...}`), whose number is validated and
normalised against its type; `DocumentType` is the closed list of types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pe import cui

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import is_stored
from chasqui_common.values.text import check_text

__all__ = ["DOCUMENT_RULES", "DocumentRule", "DocumentType", "IdentityDocument", "validate_document"]


class DocumentType(StrEnum):
    DNI = "DNI"
    CE = "CE"
    CPP = "CPP"
    PTP = "PTP"
    PASSPORT = "PASSPORT"
    REFUGEE_APPLICANT = "REFUGEE_APPLICANT"
    NONE = "NONE"


@dataclass(frozen=True)
class DocumentRule:
    """What a number of one document type looks like once normalised, and the error's words."""

    pattern: re.Pattern[str]
    expected: str
    removes: str  # characters dropped before the check (besides spaces)


_ALNUM = "-."
DOCUMENT_RULES: dict[DocumentType, DocumentRule] = {
    DocumentType.DNI: DocumentRule(
        re.compile(r"[0-9]{8}[0-9A-K]?"),
        "a DNI: 8 digits and an optional check character (RENIEC CUI)",
        _ALNUM,
    ),
    DocumentType.CE: DocumentRule(
        re.compile(r"[A-Z0-9]{6,12}"), "a CE number: 6 to 12 letters or digits", _ALNUM
    ),
    DocumentType.CPP: DocumentRule(
        re.compile(r"[A-Z0-9]{6,12}"), "a CPP number: 6 to 12 letters or digits", _ALNUM
    ),
    DocumentType.PTP: DocumentRule(
        re.compile(r"[A-Z0-9]{6,12}"), "a PTP number: 6 to 12 letters or digits", _ALNUM
    ),
    DocumentType.PASSPORT: DocumentRule(
        re.compile(r"[A-Z0-9]{5,15}"),
        "a passport number: 5 to 15 letters A-Z or digits (ICAO 9303)",
        _ALNUM,
    ),
    DocumentType.REFUGEE_APPLICANT: DocumentRule(
        re.compile(r"[A-Z0-9-]{4,20}"), "a REFUGEE_APPLICANT number: 4 to 20 letters, digits or '-'", ""
    ),
}
NONE_EXPECTED = "no number when the document type is NONE"
TYPE_EXPECTED = "one of " + ", ".join(t.value for t in DocumentType)


def _normalised(number: str, removes: str) -> str:
    for char in " " + removes:
        number = number.replace(char, "")
    return number.upper()


def validate_document(type_: DocumentType | str, number: str | None, field: str = "document") -> str | None:
    """The canonical number of a `type_` document (None for NONE); InvalidValue if it breaks the rule.

    Errors: field `<field>.type` (expected "one of DNI, CE, ...") for an unknown type,
    `<field>.number` with the type's `DocumentRule.expected` (or "no number when the document type
    is NONE"); `value` is the number as given.
    """
    try:
        kind = DocumentType(type_)
    except ValueError:
        raise InvalidValue(
            f"{type_!r} is not a document type", field=f"{field}.type", value=type_, expected=TYPE_EXPECTED
        ) from None
    where = f"{field}.number"
    if kind is DocumentType.NONE:
        if number:
            raise InvalidValue(
                "a NONE document has no number", field=where, value=number, expected=NONE_EXPECTED
            )
        return None
    rule = DOCUMENT_RULES[kind]
    if number is None or number == "":
        raise InvalidValue(
            f"a {kind.value} needs its number", field=where, value=number, expected=rule.expected
        )
    try:
        check_text(number, where)
    except InvalidValue:
        raise InvalidValue(
            f"{where} holds control characters", field=where, value=number, expected=rule.expected
        ) from None
    compact = _normalised(number, rule.removes)
    if not rule.pattern.fullmatch(compact):
        raise InvalidValue(
            f"{number!r} is not {rule.expected}", field=where, value=number, expected=rule.expected
        )
    if kind is DocumentType.DNI:
        if len(compact) == 8:
            return compact
        try:
            cui.validate(compact)
        except StdnumError as exc:
            raise InvalidValue(
                f"{number!r} is not a DNI: {exc}", field=where, value=number, expected=rule.expected
            ) from None
        return compact[:8]
    return compact


class IdentityDocument(BaseModel):
    """A person's identity document: its type and its number, normalised by `validate_document`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: DocumentType
    number: str | None = Field(default=None, validate_default=True)

    @field_validator("number", mode="after")
    @classmethod
    def _number_fits_type(cls, number: str | None, info: ValidationInfo) -> str | None:
        type_ = info.data.get("type")
        if type_ is None or is_stored(info):  # the type itself was refused; or stored data
            return number
        try:
            return validate_document(type_, number)
        except InvalidValue as exc:
            raise PydanticCustomError("identity_document", "{expected}", {"expected": exc.expected}) from None
