"""Which person ids the access record may hold in clear (application/person_access.py)."""

from chasqui_notifications.application.person_access import document_of


def test_an_id_made_from_a_document_is_recognised_as_that_document() -> None:
    assert document_of("DNI-41835127") == ("DNI", "41835127")
    assert document_of("CE-001234567") is not None


def test_opaque_ids_are_not_documents() -> None:
    assert document_of("3f2b6c1e-8d4a-4e0f-9a55-1b2c3d4e5f60") is None  # a registry person id
    assert document_of("mig-0a1b2c3d") is None
    assert document_of("DNI-not-a-number") is None
    assert document_of("41835127") is None
