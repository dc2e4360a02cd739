"""Migrant rules: accepted documents, ISO 3166 alpha-3 nationality, consent, and which documents are 'expiring'.

What a document number looks like is the shared rule (chasqui_common.values, tested in libs/common).
"""

from __future__ import annotations

from datetime import date

import pytest
from chasqui_common.errors import DomainError
from chasqui_common.events.registry import DocumentType
from chasqui_migrant_services.domain.migrants import (
    Document,
    check_consent,
    check_documents,
    check_nationality,
    identity_document,
    is_expiring,
)

TODAY = date(2025, 3, 10)


def test_nationality_is_iso_alpha3() -> None:
    assert check_nationality("ven") == "VEN"
    for bad in ("VE", "XXX", "Venezuela"):
        with pytest.raises(DomainError) as raised:
            check_nationality(bad)
        assert raised.value.field == "nationality"


def test_a_person_attended_at_a_migracentro_shows_a_document() -> None:
    with pytest.raises(DomainError) as raised:
        check_documents([Document(DocumentType.NONE, "")])
    assert raised.value.field == "documents[0].type"
    with pytest.raises(DomainError) as raised:
        check_documents([Document(DocumentType.NONE, "")], field="document")
    assert raised.value.field == "document.type"


def test_sms_and_whatsapp_consent_only_with_a_mobile_number() -> None:
    check_consent("+51987654321", sms=True, whatsapp=True)
    check_consent("+5114123456", sms=False, whatsapp=False)
    check_consent(None, sms=False, whatsapp=False)
    with pytest.raises(DomainError) as raised:
        check_consent("+5114123456", sms=True, whatsapp=False)  # a Lima landline
    assert (raised.value.field, raised.value.value) == ("contact.consent.sms", "+5114123456")
    with pytest.raises(DomainError) as raised:
        check_consent(None, sms=False, whatsapp=True)
    assert raised.value.field == "contact.consent.whatsapp"


def test_a_cpp_or_ce_needs_its_expiry_and_types_do_not_repeat() -> None:
    with pytest.raises(DomainError) as raised:
        check_documents([Document(DocumentType.CPP, "A12345")])
    assert raised.value.field == "documents[0].expires_on"
    with pytest.raises(DomainError):
        check_documents(
            [Document(DocumentType.PASSPORT, "P1234567"), Document(DocumentType.PASSPORT, "P7654321")]
        )


def test_the_identity_document_prefers_peruvian_ones() -> None:
    docs = [Document(DocumentType.PASSPORT, "P1234567"), Document(DocumentType.CPP, "C12345", TODAY)]
    assert identity_document(docs).type is DocumentType.CPP


@pytest.mark.parametrize(
    ("doc", "expiring"),
    [
        (Document(DocumentType.CPP, "C1", date(2025, 4, 9)), True),  # day 30
        (Document(DocumentType.CE, "E1", TODAY), True),  # expires today
        (Document(DocumentType.CPP, "C1", date(2025, 4, 10)), False),  # day 31
        (Document(DocumentType.CPP, "C1", date(2025, 3, 9)), False),  # already expired
        (Document(DocumentType.PASSPORT, "P1", date(2025, 3, 20)), False),  # not watched
    ],
)
def test_only_cpp_and_ce_within_30_days_are_expiring(doc: Document, expiring: bool) -> None:
    assert is_expiring(doc, TODAY) is expiring
