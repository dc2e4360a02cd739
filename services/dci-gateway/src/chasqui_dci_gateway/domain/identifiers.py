"""The identifier types of an `idtype-value` query and what each looks up in the projection.

DCI leaves identifier types to the implementation (spdci `IdentifierTypeEnum`: "UIN, MOBILE, BRN,
..."). Chasqui maps Peru's documents and its own identifiers onto them (docs/dci.md#identifiers):
the DNI is Peru's unique identification number (RENIEC CUI), so it is `UIN` (`DNI` is accepted as
an alias); Migraciones' documents keep their Peruvian names; `HOUSEHOLD_ID` is the registry's
household id and `MOBILE` a phone number in E.164.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chasqui_common.errors import InvalidValue
from chasqui_common.values import DocumentType, check_phone, check_text, validate_document

from chasqui_dci_gateway.domain.errors import SearchRejected

CRITERIA_INVALID = "rjct.search_criteria.invalid"


class LookupKind(StrEnum):
    DOCUMENT = "document"
    HOUSEHOLD = "household"
    MOBILE = "mobile"


@dataclass(frozen=True)
class IdentifierLookup:
    """What an identifier query looks for: a document (type, canonical number), a household or a phone."""

    kind: LookupKind
    value: str
    document_type: DocumentType | None = None


DOCUMENT_IDENTIFIERS: dict[str, DocumentType] = {
    "UIN": DocumentType.DNI,
    "DNI": DocumentType.DNI,
    "CE": DocumentType.CE,
    "CPP": DocumentType.CPP,
    "PTP": DocumentType.PTP,
    "PASSPORT": DocumentType.PASSPORT,
    "REFUGEE_APPLICANT": DocumentType.REFUGEE_APPLICANT,
}
OTHER_IDENTIFIERS: dict[str, LookupKind] = {"HOUSEHOLD_ID": LookupKind.HOUSEHOLD, "MOBILE": LookupKind.MOBILE}
IDENTIFIER_TYPES = tuple(DOCUMENT_IDENTIFIERS) + tuple(OTHER_IDENTIFIERS)

RECORD_IDENTIFIER_TYPE: dict[DocumentType, str] = {
    DocumentType.DNI: "UIN",
    DocumentType.CE: "CE",
    DocumentType.CPP: "CPP",
    DocumentType.PTP: "PTP",
    DocumentType.PASSPORT: "PASSPORT",
    DocumentType.REFUGEE_APPLICANT: "REFUGEE_APPLICANT",
}
"""The identifier_type a record shows for a member's document (NONE shows no identifier)."""


def resolve_identifier(id_type: str, value: Any) -> IdentifierLookup:
    """The lookup an `idtype-value` query asks for; SearchRejected(rjct.search_criteria.invalid)
    for an unknown type or a value that is not an identifier of that type."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SearchRejected(
            CRITERIA_INVALID,
            f"query.value must be a string (or digits) for identifier type {id_type!r}",
            field="query.value",
            value=value,
        )
    raw = str(value)
    key = id_type.upper()
    try:
        if key in DOCUMENT_IDENTIFIERS:
            document_type = DOCUMENT_IDENTIFIERS[key]
            number = validate_document(document_type, raw, "query.value")
            assert number is not None  # NONE is not an identifier type
            return IdentifierLookup(LookupKind.DOCUMENT, number, document_type)
        if key == "MOBILE":
            return IdentifierLookup(LookupKind.MOBILE, check_phone(raw, "query.value"))
        if key == "HOUSEHOLD_ID":
            check_text(raw, "query.value", max_length=64, min_length=1)
            return IdentifierLookup(LookupKind.HOUSEHOLD, raw)
    except InvalidValue as exc:
        raise SearchRejected(
            CRITERIA_INVALID, f"{raw!r} is not {exc.expected}", field="query.value", value=raw
        ) from None
    raise SearchRejected(
        CRITERIA_INVALID,
        f"identifier type {id_type!r} is not one of {', '.join(IDENTIFIER_TYPES)}",
        field="query.type",
        value=id_type,
    )
