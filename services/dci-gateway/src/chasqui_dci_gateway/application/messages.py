"""The DCI messages the gateway sends (spdci social_api v1.0.0): search responses, callback
headers, acknowledgements and transaction status, and how a result becomes one.

They are pydantic models so the HTTP API documents them and a callback is the same text as a
synchronous answer. Chasqui's extensions of the social `Person` record (`cse`, `disability`,
`relationship`, `pension`, `pregnant`) are described in docs/dci.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chasqui_dci_gateway.application.models import SearchItemResult, SearchOutcome
from chasqui_dci_gateway.domain.records import PersonRecord

DCI_VERSION = "1.0.0"
PERSON_CONTEXT = "https://schema.spdci.org/extensions/social/v1/Person.jsonld"


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class DciIdentifier(_Wire):
    type_: Literal["Identifier"] = Field("Identifier", alias="@type")
    identifier_type: str
    identifier_value: str


class DciName(_Wire):
    type_: Literal["Name"] = Field("Name", alias="@type")
    given_name: str | None = None
    surname: str | None = None
    second_name: str | None = Field(None, description="the maternal surname")


class DciAddress(_Wire):
    type_: Literal["Address"] = Field("Address", alias="@type")
    address_line1: str | None = None
    sub_region_code: str | None = Field(None, description="INEI district ubigeo, 6 digits")
    region_code: str | None = Field(None, description="INEI department code, 2 digits")
    country_code: Literal["PE"] = "PE"


class DciClassification(_Wire):
    level: str = Field(description="POBRE_EXTREMO, POBRE or NO_POBRE")
    valid_from: date | None = None
    valid_until: date | None = None


class DciDisability(_Wire):
    severity: str
    certified: bool


class DciPerson(_Wire):
    """A registry member as a DCI social `Person`, with only the fields the sender is entitled to."""

    context: str = Field(PERSON_CONTEXT, alias="@context")
    type_: Literal["Person"] = Field("Person", alias="@type")
    identifier: DciIdentifier | None = None
    name: DciName | None = None
    birth_date: date | None = None
    sex: Literal["female", "male"] | None = None
    relationship: str | None = None
    address: DciAddress | None = None
    phone_number: str | None = None
    email: str | None = None
    household_identifier: str | None = None
    household_status: Literal["active", "deregistered"] | None = None
    cse: DciClassification | None = None
    disability: DciDisability | None = None
    pregnant: bool | None = None
    pension: str | None = None
    registration_date: datetime | None = None
    last_updated: datetime | None = None

    @classmethod
    def of(cls, record: PersonRecord) -> DciPerson:
        identifier = (
            DciIdentifier(identifier_type=record.identifier_type, identifier_value=record.identifier_value)
            if record.identifier_type and record.identifier_value
            else None
        )
        named = record.given_name is not None or record.surname is not None
        return cls(
            identifier=identifier,
            name=DciName(
                given_name=record.given_name, surname=record.surname, second_name=record.second_surname
            )
            if named
            else None,
            birth_date=record.birth_date,
            sex={"F": "female", "M": "male"}.get(record.sex or "") if record.sex else None,
            relationship=record.relationship,
            address=DciAddress(
                address_line1=record.address_line,
                sub_region_code=record.ubigeo,
                region_code=record.ubigeo[:2] if record.ubigeo else None,
            )
            if record.ubigeo is not None
            else None,
            phone_number=record.phone_number,
            email=record.email,
            household_identifier=record.household_identifier,
            household_status=record.household_status,
            cse=DciClassification(
                level=record.cse_level, valid_from=record.cse_valid_from, valid_until=record.cse_valid_until
            )
            if record.cse_level
            else None,
            disability=DciDisability(
                severity=record.disability_severity, certified=bool(record.disability_certified)
            )
            if record.disability_severity is not None
            else None,
            pregnant=record.pregnant,
            pension=record.pension,
            registration_date=record.registration_date,
            last_updated=record.last_updated,
        )


class DciSearchData(_Wire):
    version: str = DCI_VERSION
    reg_records: list[DciPerson]


class DciPagination(_Wire):
    page_size: int
    page_number: int
    total_count: int


class DciSearchResponseItem(_Wire):
    reference_id: str
    timestamp: datetime
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = Field(None, max_length=999)
    data: DciSearchData | None = None
    pagination: DciPagination | None = None
    locale: str | None = None

    @classmethod
    def of(cls, item: SearchItemResult) -> DciSearchResponseItem:
        succeeded = item.status == "succ"
        return cls(
            reference_id=item.reference_id,
            timestamp=item.timestamp,
            status="succ" if succeeded else "rjct",
            status_reason_code=item.reason_code,
            status_reason_message=item.reason_message[:999] if item.reason_message else None,
            data=DciSearchData(reg_records=[DciPerson.of(r) for r in item.records]) if succeeded else None,
            pagination=DciPagination(
                page_size=item.page.page_size,
                page_number=item.page.page_number,
                total_count=item.page.total_count,
            )
            if item.page is not None
            else None,
            locale=item.locale,
        )


class DciSearchResponse(_Wire):
    transaction_id: str
    correlation_id: str
    search_response: list[DciSearchResponseItem]

    @classmethod
    def of(cls, outcome: SearchOutcome) -> DciSearchResponse:
        return cls(
            transaction_id=outcome.transaction_id,
            correlation_id=outcome.correlation_id,
            search_response=[DciSearchResponseItem.of(i) for i in outcome.items],
        )


class DciCallbackHeader(_Wire):
    """MsgCallbackHeader_V1.0.0: the header of an answer or a callback from the gateway."""

    version: str = DCI_VERSION
    message_id: str
    message_ts: datetime
    action: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    total_count: int | None = None
    completed_count: int | None = None
    sender_id: str
    receiver_id: str | None = None
    is_msg_encrypted: bool = False


class DciTxnStatusBody(_Wire):
    txn_type: Literal["search", "subscibe", "receipt"]
    txn_status: DciSearchResponse


class DciTxnStatusResponse(_Wire):
    transaction_id: str
    correlation_id: str
    txnstatus_response: DciTxnStatusBody


class DciAckMessage(_Wire):
    ack_status: Literal["ACK", "NACK", "ERR"]
    timestamp: datetime
    correlation_id: str


class DciAck(_Wire):
    message: DciAckMessage


def wire(model: BaseModel) -> object:
    """The JSON value of a wire model, exactly as sent (aliases, no nulls): what a signature covers."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- subscriptions ---------------------------------------------------------------------------------


class DciSubscription(_Wire):
    """One subscription in an `on-subscribe` answer. The standard's item schema requires
    `subscription_code`, `timestamp` and `subscribe_criteria` next to its listed properties
    (`code`, ...), so both are sent."""

    version: str = DCI_VERSION
    code: str
    subscription_code: str
    status: Literal["subscribe", "unsubscribe"]
    timestamp: datetime
    reg_type: str
    reg_event_type: str
    filter_type: str
    filter: Any
    notify_record_type: str
    subscribe_criteria: dict[str, Any]
    locale: str | None = None


class DciSubscribeResponseItem(_Wire):
    reference_id: str
    timestamp: datetime
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = Field(None, max_length=999)
    subscriptions: list[DciSubscription] | None = None
    locale: str | None = None


class DciSubscribeResponse(_Wire):
    transaction_id: str
    correlation_id: str
    subscribe_response: list[DciSubscribeResponseItem]


class DciSubscriptionStatus(_Wire):
    code: str
    status: Literal["subscribe", "unsubscribe"]


class DciUnsubscribeResponse(_Wire):
    transaction_id: str
    correlation_id: str
    timestamp: datetime
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = Field(None, max_length=999)
    subscription_status: list[DciSubscriptionStatus]


class DciNotifyData(_Wire):
    version: str = DCI_VERSION
    reg_type: str
    reg_event_type: str
    reg_record_type: str
    reg_records: DciPerson


class DciNotifyEvent(_Wire):
    reference_id: str
    timestamp: datetime
    data: DciNotifyData
    locale: str | None = None


class DciNotifyMessage(_Wire):
    """NotifyEventRequest: one item per person the registry event concerns (and the subscription
    selects); `reference_id` is the subscription code."""

    transaction_id: str
    notify_event: list[DciNotifyEvent]
