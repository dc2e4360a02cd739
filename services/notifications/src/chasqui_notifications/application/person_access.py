"""The access record of what notifications holds about a person through its API (chasqui_common.audit,
docs/privacy.md): their messages, their preferences and consent.

Notifications knows a person only by the id an upstream service gave them. Some of those ids
are made from the document (employment-matching names a seeker registered without a platform id
`DNI-41835127`): such an id is recorded as its document's keyed hash, never in clear, so the
auditor still finds it by document and the record holds no number a reader could use.
"""

from __future__ import annotations

from collections.abc import Iterable

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import InvalidValue
from chasqui_common.values import validate_document

SERVICE = "notifications"


def document_of(person_id: str) -> tuple[str, str] | None:
    """(type, canonical number) when `person_id` is `<TYPE>-<number>` of a valid document, else None."""
    kind, sep, number = person_id.partition("-")
    if not sep:
        return None
    try:
        canonical = validate_document(kind, number, "person_id")
    except InvalidValue:  # an unknown type or a number that is no document: an opaque id
        return None
    return (kind, canonical) if canonical else None


async def record_person(
    uow: UnitOfWork,
    caller: Caller,
    operation: str,
    person_id: str,
    *,
    resource_ids: Iterable[str] = (),
    found: bool = True,
) -> None:
    """Record `notifications.<operation>` by `caller` about `person_id` (and further ids touched,
    e.g. the messages read) in the use case's transaction; `found` False: nothing was held."""
    document = document_of(person_id)
    await record_access(
        uow,
        caller,
        Access(
            operation=f"{SERVICE}.{operation}",
            resource_type="person",
            resource_ids=[*([] if document else [person_id]), *resource_ids],
            documents=[document] if document else [],
            outcome=OK if found else NONE_FOUND,
        ),
    )
