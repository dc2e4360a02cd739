"""Migrants: identity documents, nationality (ISO 3166-1 alpha-3) and the document expiry watch rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pycountry
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType, Sex

# Documents a person attended at a Migracentro can show (DNI for Peruvians attended there too).
ACCEPTED_DOCUMENTS = (
    DocumentType.PASSPORT,
    DocumentType.CE,
    DocumentType.CPP,
    DocumentType.PTP,
    DocumentType.REFUGEE_APPLICANT,
    DocumentType.DNI,
)
# Documents that expire and whose holder must renew them in time (CPP is valid one year).
WATCHED_DOCUMENTS = frozenset({DocumentType.CPP, DocumentType.CE})
EXPIRY_WINDOW_DAYS = 30
# Which document identifies the person in events when they hold several (Peruvian ones first).
IDENTITY_PREFERENCE = (
    DocumentType.DNI,
    DocumentType.CE,
    DocumentType.CPP,
    DocumentType.PTP,
    DocumentType.REFUGEE_APPLICANT,
    DocumentType.PASSPORT,
)
_NUMBER = {
    DocumentType.DNI: (re.compile(r"^\d{8}$"), "8 digits"),
    DocumentType.CE: (re.compile(r"^[A-Z0-9]{6,12}$"), "6-12 letters or digits"),
    DocumentType.CPP: (re.compile(r"^[A-Z0-9]{6,12}$"), "6-12 letters or digits"),
    DocumentType.PTP: (re.compile(r"^[A-Z0-9]{6,12}$"), "6-12 letters or digits"),
    DocumentType.REFUGEE_APPLICANT: (re.compile(r"^[A-Z0-9-]{4,20}$"), "4-20 letters, digits or '-'"),
    DocumentType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,15}$"), "5-15 letters or digits"),
}


@dataclass(frozen=True)
class Document:
    type: DocumentType
    number: str
    expires_on: date | None = None
    document_id: str | None = None


@dataclass(frozen=True)
class Migrant:
    migrant_id: str
    attention_point: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date
    sex: Sex | None
    nationality: str
    entry_date: date | None
    phone: str | None
    email: str | None
    consent_sms: bool
    consent_email: bool
    consent_whatsapp: bool
    occupations: tuple[str, ...]
    skills: tuple[str, ...]
    registered_at: datetime
    documents: tuple[Document, ...]


def normalise_document(type_: DocumentType, number: str, field: str = "documents") -> str:
    if type_ not in ACCEPTED_DOCUMENTS:
        raise InvalidValue(
            f"document type {type_.value} is not accepted",
            field=f"{field}.type",
            value=type_.value,
            expected=f"one of {', '.join(t.value for t in ACCEPTED_DOCUMENTS)}",
        )
    value = re.sub(r"[\s.]", "", number).upper()
    pattern, shape = _NUMBER[type_]
    if not pattern.match(value):
        raise InvalidValue(
            f"{type_.value} number {number!r} is not valid",
            field=f"{field}.number",
            value=number,
            expected=f"a {type_.value} number of {shape}",
        )
    return value


def check_documents(documents: list[Document], field: str = "documents") -> None:
    if not documents:
        raise InvalidValue(
            "a person needs at least one identity document",
            field=field,
            value=[],
            expected="one or more of " + ", ".join(t.value for t in ACCEPTED_DOCUMENTS),
        )
    seen: set[DocumentType] = set()
    for i, doc in enumerate(documents):
        if doc.type in seen:
            raise InvalidValue(
                f"two {doc.type.value} documents given",
                field=f"{field}[{i}].type",
                value=doc.type.value,
                expected="at most one document of each type (add a renewal with its new number instead)",
            )
        seen.add(doc.type)
        if doc.type in WATCHED_DOCUMENTS and doc.expires_on is None:
            raise InvalidValue(
                f"a {doc.type.value} has an expiry date",
                field=f"{field}[{i}].expires_on",
                value=None,
                expected="the document's expiry date (YYYY-MM-DD)",
            )


def identity_document(documents: list[Document]) -> Document:
    """The document that identifies the person to other services."""
    return min(documents, key=lambda d: IDENTITY_PREFERENCE.index(d.type))


def check_nationality(code: str) -> str:
    """ISO 3166-1 alpha-3 (VEN, COL, PER...); alpha-2 is refused rather than guessed."""
    value = code.strip().upper()
    if len(value) != 3 or pycountry.countries.get(alpha_3=value) is None:
        raise InvalidValue(
            f"nationality {code!r} is not an ISO 3166-1 alpha-3 country code",
            field="nationality",
            value=code,
            expected="an ISO 3166-1 alpha-3 code such as VEN, COL, PER, ECU",
        )
    return value


def check_dates(birth_date: date, entry_date: date | None, today: date) -> None:
    if birth_date > today or birth_date < today - timedelta(days=365 * 120):
        raise InvalidValue(
            "birth date is not plausible",
            field="birth_date",
            value=birth_date.isoformat(),
            expected=f"a date in the last 120 years, not after {today.isoformat()}",
        )
    if entry_date is not None and (entry_date > today or entry_date < birth_date):
        raise InvalidValue(
            "entry date into Peru is not plausible",
            field="entry_date",
            value=entry_date.isoformat(),
            expected=f"a date between the birth date ({birth_date.isoformat()}) and today",
        )


def is_expiring(doc: Document, today: date, window_days: int = EXPIRY_WINDOW_DAYS) -> bool:
    """A watched document whose expiry falls within the window (already expired ones are not 'expiring')."""
    return (
        doc.type in WATCHED_DOCUMENTS
        and doc.expires_on is not None
        and today <= doc.expires_on <= today + timedelta(days=window_days)
    )
