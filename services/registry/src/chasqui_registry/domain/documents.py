"""Identity documents: each type's format, and the canonical number used for uniqueness."""

from __future__ import annotations

import re

from chasqui_common.events.registry import DocumentType, IdentityDocument
from stdnum.exceptions import ValidationError
from stdnum.pe import cui

from chasqui_registry.domain.errors import DocumentError, Violation

# Carné de Extranjería, CPP, PTP and passports are alphanumeric; their issuers publish no checksum.
_FORMATS: dict[DocumentType, tuple[re.Pattern[str], str]] = {
    DocumentType.CE: (re.compile(r"^[A-Z0-9]{6,12}$"), "6 to 12 letters or digits"),
    DocumentType.CPP: (re.compile(r"^[A-Z0-9]{6,12}$"), "6 to 12 letters or digits"),
    DocumentType.PTP: (re.compile(r"^[A-Z0-9]{6,12}$"), "6 to 12 letters or digits"),
    DocumentType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,15}$"), "5 to 15 letters or digits"),
    DocumentType.REFUGEE_APPLICANT: (re.compile(r"^[A-Z0-9-]{4,20}$"), "4 to 20 letters, digits or '-'"),
}


def normalize_document(document: IdentityDocument, field: str = "document") -> IdentityDocument:
    """The document with its canonical number; raises DocumentError (an InvalidValue carrying its Violation) if invalid.

    A DNI is stored as its 8-digit CUI: the optional check character is verified, then
    dropped, so `10117410` and `10117410-2` are the same person.
    """
    raw = document.number
    if document.type is DocumentType.DNI and raw is not None and len(raw) == 8 and raw.isdigit():
        # The common case, 8 plain digits, is exactly what stdnum's CUI check accepts without a
        # check character (a unit test holds the two in agreement); skipping the call matters
        # for a million-household import.
        return IdentityDocument.model_construct(type=DocumentType.DNI, number=raw)
    number = (raw or "").strip().upper().replace(" ", "")
    if document.type is DocumentType.NONE:
        if number:
            raise DocumentError(
                Violation(f"{field}.number", document.number, "no number when the document type is NONE")
            )
        return IdentityDocument.model_construct(type=DocumentType.NONE, number=None)
    if not number:
        raise DocumentError(Violation(f"{field}.number", document.number, f"a {document.type.value} number"))
    if document.type is DocumentType.DNI:
        try:
            compact = cui.validate(number)
        except ValidationError as exc:
            raise DocumentError(
                Violation(
                    f"{field}.number",
                    document.number,
                    f"a DNI: 8 digits and an optional check character ({exc})",
                )
            ) from None
        return IdentityDocument.model_construct(type=DocumentType.DNI, number=compact[:8])
    pattern, description = _FORMATS[document.type]
    if not pattern.match(number):
        raise DocumentError(
            Violation(f"{field}.number", document.number, f"a {document.type.value} number: {description}")
        )
    return IdentityDocument.model_construct(type=document.type, number=number)
