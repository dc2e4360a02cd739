"""Migrant rules: documents, ISO 3166 alpha-3 nationality, and which documents are 'expiring'."""

from __future__ import annotations

from datetime import date

import pytest
from chasqui_common.errors import DomainError
from chasqui_common.events.registry import DocumentType
from chasqui_migrant_services.domain.migrants import (
    Document,
    check_documents,
    check_nationality,
    identity_document,
    is_expiring,
    normalise_document,
)

TODAY = date(2025, 3, 10)


def test_nationality_is_iso_alpha3() -> None:
    assert check_nationality("ven") == "VEN"
    for bad in ("VE", "XXX", "Venezuela"):
        with pytest.raises(DomainError) as raised:
            check_nationality(bad)
        assert raised.value.field == "nationality"


def test_document_numbers_are_normalised_and_checked() -> None:
    assert normalise_document(DocumentType.CPP, " ab 123.456 ") == "AB123456"
    with pytest.raises(DomainError) as raised:
        normalise_document(DocumentType.DNI, "1234")
    assert raised.value.field == "documents.number"
    with pytest.raises(DomainError):
        normalise_document(DocumentType.NONE, "x")


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
