"""ARCO events (Ley 29733 arts. 19-22, DS 016-2024-JUS title IV): a request about one person and each
service's answer.

`chasqui.arco-requests` (key = request id) carries `ArcoRequested`: the right exercised, the
person's document and the ids the platform knows them by. Every service answers on
`chasqui.arco-answers` (key = request id) with one `ArcoAnswered`: for `identify` the ids it knows
the person by, for `access` the records it holds, for `cancellation` how many records it erased,
for `opposition` the purposes it stopped. The operator's CLI (`chasqui arco`) sends the requests
and assembles the answers (docs/privacy.md, "ARCO rights").
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import ARCO_ANSWERS, ARCO_REQUESTS
from chasqui_common.values import IdentityDocument, IsoDateTime, Text, Uuid

__all__ = ["ArcoAnswered", "ArcoRequested", "ArcoRight", "HeldRecord", "Purpose"]


class ArcoRight(StrEnum):
    """What a request asks. `identify` is the first step of every request made by the CLI: it
    collects the ids each service gave the person, so that services that key people by id only
    (notifications) find them in the second step."""

    IDENTIFY = "identify"
    ACCESS = "access"
    CANCELLATION = "cancellation"
    OPPOSITION = "opposition"


class Purpose(StrEnum):
    """A use of personal data that the person may oppose (Ley 29733 art. 22): contact over one
    notification channel, or being offered to employers."""

    NOTIFICATIONS_SMS = "notifications.sms"
    NOTIFICATIONS_EMAIL = "notifications.email"
    NOTIFICATIONS_WHATSAPP = "notifications.whatsapp"
    EMPLOYMENT_CONTACT = "employment.contact"


class HeldRecord(BaseModel):
    """One record a service holds about the person: where (`store`, a table), its key, its fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    store: Text
    key: Text
    fields: dict[str, JsonValue]


@event("pe.chasqui.arco.request.submitted.v1", topic=ARCO_REQUESTS, subject="request_id")
class ArcoRequested(EventPayload):
    """An operator asked, on the person's behalf, to identify, access, cancel or oppose their data.

    `person_ids` are the ids other services answered an `identify` request with (empty on the
    first step); `purposes` name what an `opposition` stops."""

    request_id: Uuid
    right: ArcoRight
    document: IdentityDocument
    person_ids: list[Text] = Field(default_factory=list)
    purposes: list[Purpose] = Field(default_factory=list)
    requested_by: Text
    requested_at: IsoDateTime


@event("pe.chasqui.arco.request.answered.v1", topic=ARCO_ANSWERS, subject="request_id")
class ArcoAnswered(EventPayload):
    """One service's answer to an ARCO request; a service answers each request once.

    `person_ids` (identify, access): the ids this service knows the person by; `records` (access):
    what it holds; `erased` (cancellation): records removed or anonymised, outbox and stored
    answers included; `withdrawn` (opposition): the purposes now stopped."""

    request_id: Uuid
    right: ArcoRight
    service: Text
    person_ids: list[Text] = Field(default_factory=list)
    records: list[HeldRecord] = Field(default_factory=list)
    erased: int = 0
    withdrawn: list[Purpose] = Field(default_factory=list)
    answered_at: IsoDateTime
