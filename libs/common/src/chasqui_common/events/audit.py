"""The access record as an event: one `AccessRecorded` per read or write of personal data.

Every service publishes them on `chasqui.audit` (key = record id), which only the auditor
principal reads; `chasqui audit` (tools/cli) answers from it who read or changed a person's data.
Documents appear only as keyed hashes (`person_refs`, chasqui_common.audit.document_ref), so the
topic does not spread document numbers.
"""

from __future__ import annotations

from pydantic import Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import AUDIT
from chasqui_common.values import IsoDateTime, Text, Uuid

__all__ = ["AccessRecorded"]


@event("pe.chasqui.audit.access.recorded.v1", topic=AUDIT, subject="record_id")
class AccessRecorded(EventPayload):
    """Someone read or changed personal data held by a service.

    `subject`/`client_id`: the token's subject and client; `purpose`: the `X-Purpose` the client
    declared; `operation`: what it did (e.g. `registry.household.read`); `outcome`: `ok`, or
    `none-found` for a lookup that matched nobody; `resource_ids`: the ids it touched;
    `person_refs`: keyed hashes (HMAC-SHA256) of the documents it touched."""

    record_id: Uuid
    service: Text
    occurred_at: IsoDateTime
    subject: Text
    client_id: Text | None = None
    purpose: Text | None = None
    operation: Text
    outcome: Text
    resource_type: Text
    resource_ids: list[Text] = Field(default_factory=list)
    person_refs: list[Text] = Field(default_factory=list)
