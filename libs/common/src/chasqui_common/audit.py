"""The access record: every read and write of personal data, kept by the service and published.

Ley 29733 and DS 016-2024-JUS ask for a record of who accessed personal data. A use case that
reads or changes personal data calls `record_access(uow, caller, Access(...))`: one row in the
service's `access_records` table (append-only, common migration 0002) and one `AccessRecorded` event
on `chasqui.audit`, both in the transaction of the read or write itself, so nothing is read or
changed without its record and no record claims what was rolled back. Which reads and writes to
record, and which ids they touched, is the owning use case's knowledge; this module only writes.

Documents are never recorded in clear: `document_ref` is an HMAC-SHA256 of the canonical
document under the audit key (AUDIT_DOCUMENT_KEY, shared by the services and the auditor's CLI),
so the auditor can find a person's records by their document while the topic, its consumers
and the table hold nothing a reader could turn back into a number without the key (a plain
hash of an 8-digit DNI is reversed by trying the 10^8 numbers).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import InvalidValue
from chasqui_common.events.audit import AccessRecorded
from chasqui_common.values import validate_document

__all__ = [
    "AUDIT_KEY_ENV",
    "Access",
    "AccessRecorded",
    "audit_key",
    "document_ref",
    "record_access",
]

AUDIT_KEY_ENV = "AUDIT_DOCUMENT_KEY"
DEV_AUDIT_KEY = "chasqui-local-audit-key-not-for-production"
"""Used when AUDIT_DOCUMENT_KEY is unset (local stack, tests); deployments set it from a Secret."""

OK = "ok"
NONE_FOUND = "none-found"


def audit_key() -> bytes:
    """The key of `document_ref`: AUDIT_DOCUMENT_KEY, or the development key when unset."""
    return os.environ.get(AUDIT_KEY_ENV, DEV_AUDIT_KEY).encode()


def document_ref(document_type: str, number: str, key: bytes | None = None) -> str:
    """`"<TYPE>:" + hex HMAC-SHA256("<TYPE>:<canonical number>")` under the audit key (64 hex digits).

    The number is canonicalised by the shared document rule (a DNI with its check character gives
    the same ref as without); a number the rule refuses is hashed as given, upper case, trimmed.
    The type stays readable so an auditor sees what kind of document matched.
    """
    try:
        canonical = validate_document(document_type, number) or number
    except InvalidValue:
        canonical = number.strip().upper()
    message = f"{document_type}:{canonical}".encode()
    digest = hmac.new(key if key is not None else audit_key(), message, hashlib.sha256).hexdigest()
    return f"{document_type}:{digest}"


@dataclass(frozen=True)
class Access:
    """One read or write of personal data, as the use case that did it describes it.

    `operation`: `<service>.<resource>.<verb>` (e.g. `registry.household.read`); `resource_type`:
    what the ids name (household, person, case, decision); `resource_ids`: the ids touched;
    `documents`: (type, number) of the documents touched, hashed before they are stored;
    `outcome`: `ok`, or `none-found` for a lookup that matched nobody.
    """

    operation: str
    resource_type: str
    resource_ids: Iterable[str] = ()
    documents: Iterable[tuple[str, str]] = ()
    outcome: str = OK


_INSERT = """
INSERT INTO access_records (record_id, occurred_at, service, subject, client_id, purpose, operation,
                        outcome, resource_type, resource_ids, person_refs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""


async def record_access(uow: UnitOfWork, caller: Caller, access: Access) -> AccessRecorded:
    """Write the access record of `access` by `caller` in this unit of work and publish it.

    The record commits or rolls back with the read or write it describes (`uow` must be the use
    case's own). Returns the event as published.
    """
    refs = sorted({document_ref(t, n) for t, n in access.documents if n})
    record = AccessRecorded(
        record_id=str(uuid.uuid4()),
        service=uow.outbox.source.rstrip("/").rsplit("/", 1)[-1],
        occurred_at=uow.clock.now(),
        subject=caller.subject,
        client_id=caller.client_id,
        purpose=caller.purpose,
        operation=access.operation,
        outcome=access.outcome,
        resource_type=access.resource_type,
        resource_ids=list(dict.fromkeys(access.resource_ids)),
        person_refs=refs,
    )
    await uow.conn.execute(
        _INSERT,
        uuid.UUID(record.record_id),
        record.occurred_at,
        record.service,
        record.subject,
        record.client_id,
        record.purpose,
        record.operation,
        record.outcome,
        record.resource_type,
        record.resource_ids,
        record.person_refs,
    )
    await uow.publish(record)
    return record
