"""Migrants: which documents a Migracentro takes, nationality (ISO 3166-1 alpha-3), contact consent,
and the document expiry watch rule.

What a document number, a phone, a date or a name looks like is not decided here: the shared value
rules of `chasqui_common.values` (docs/values.md) are applied where the values come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pycountry
from chasqui_common.errors import InvalidValue
from chasqui_common.events.registry import DocumentType, Sex
from chasqui_common.values import is_mobile

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


def check_documents(documents: list[Document], field: str = "documents") -> None:
    """The documents a Migracentro takes, at most one per type, watched ones with their expiry.

    Numbers are already canonical (`chasqui_common.values.validate_document`); `field` names the
    list (`documents`, or `document` for a single one) in errors.
    """
    if not documents:
        raise InvalidValue(
            "a person needs at least one identity document",
            field=field,
            value=[],
            expected="one or more of " + ", ".join(t.value for t in ACCEPTED_DOCUMENTS),
        )
    seen: set[DocumentType] = set()
    for i, doc in enumerate(documents):
        where = f"{field}[{i}]" if field == "documents" else field
        if doc.type not in ACCEPTED_DOCUMENTS:
            raise InvalidValue(
                f"document type {doc.type.value} is not accepted",
                field=f"{where}.type",
                value=doc.type.value,
                expected=f"one of {', '.join(t.value for t in ACCEPTED_DOCUMENTS)}",
            )
        if doc.type in seen:
            raise InvalidValue(
                f"two {doc.type.value} documents given",
                field=f"{where}.type",
                value=doc.type.value,
                expected="at most one document of each type (add a renewal with its new number instead)",
            )
        seen.add(doc.type)
        if doc.type in WATCHED_DOCUMENTS and doc.expires_on is None:
            raise InvalidValue(
                f"a {doc.type.value} has an expiry date",
                field=f"{where}.expires_on",
                value=None,
                expected="the document's expiry date (YYYY-MM-DD)",
            )


def check_consent(phone: str | None, *, sms: bool, whatsapp: bool, field: str = "contact") -> None:
    """SMS and WhatsApp consent only with a number that can receive them (a mobile, `is_mobile`).

    `phone` is already E.164 (`chasqui_common.values.check_phone`); the error names the consent
    (`contact.consent.sms` / `contact.consent.whatsapp`) and quotes the phone.
    """
    for channel, granted in (("sms", sms), ("whatsapp", whatsapp)):
        if granted and (phone is None or not is_mobile(phone)):
            raise InvalidValue(
                f"{channel} consent needs a mobile phone number"
                + (f"; {phone} is not a mobile number" if phone else "; no phone was given"),
                field=f"{field}.consent.{channel}",
                value=phone,
                expected=f"{channel} consent only with a mobile phone number (e.g. 987654321), else false",
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
