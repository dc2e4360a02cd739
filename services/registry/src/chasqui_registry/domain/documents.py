"""Identity documents: the registry's use of the shared rule (`chasqui_common.values.validate_document`).

There is one definition per document type, in libs/common (`DOCUMENT_RULES`); the registry adds
only how a fault is reported (a `Violation` on the member's field path) and the canonical number
that uniqueness and `GET /v1/persons` compare: a DNI is kept as its 8-digit CUI, so `10117410`
and `10117410-2` are the same person.
"""

from __future__ import annotations

from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType, IdentityDocument
from chasqui_common.values import validate_document

from chasqui_registry.domain.errors import DocumentError, Violation

__all__ = ["canonical_number", "normalize_document"]


def canonical_number(type_: DocumentType | str, number: str | None, field: str = "document") -> str | None:
    """The canonical number of a `type_` document (None for NONE), by the shared rule.

    Raises DocumentError (an InvalidValue carrying its Violation) on `<field>.number` or
    `<field>.type`, with the shared rule's expectation and the number as given.
    """
    if (
        type_ is DocumentType.DNI
        and number is not None
        and len(number) == 8
        and number.isascii()
        and number.isdigit()
    ):
        # The common case, 8 plain ASCII digits, is canonical as it is under the shared rule (a
        # unit test holds the two in agreement); skipping the call matters for a large import.
        return number
    try:
        return validate_document(type_, number, field)
    except InvalidValue as exc:
        raise DocumentError(
            Violation(exc.field or f"{field}.number", exc.value, exc.expected or exc.detail)
        ) from None


def normalize_document(document: IdentityDocument, field: str = "document") -> IdentityDocument:
    """The document with its canonical number; raises DocumentError if it breaks the shared rule.

    A validated `IdentityDocument` is already canonical; this matters for documents assembled
    without validation (`model_construct`, e.g. by the import's fast path).
    """
    number = canonical_number(document.type, document.number, field)
    if number == document.number:
        return document
    return IdentityDocument.model_construct(type=document.type, number=number)
