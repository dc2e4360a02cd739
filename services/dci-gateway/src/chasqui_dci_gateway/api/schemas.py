"""Request and response bodies of the DCI gateway: the spdci envelope (`signature`, `header`,
`message`) of search and transaction status, and the sender registry's own API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from chasqui_common.auth import Principal
from chasqui_common.values import text
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chasqui_dci_gateway.application.messages import (
    DciAck,
    DciAckMessage,
    DciCallbackHeader,
    DciSearchResponse,
    DciTxnStatusResponse,
)
from chasqui_dci_gateway.application.models import (
    Acknowledgement,
    CheckTransaction,
    ExpressionQuery,
    IdTypeValueQuery,
    PredicateExpression,
    PredicateItem,
    RegisterSender,
    SearchItem,
    SearchQuery,
    SearchRegistry,
    SenderView,
    SignedMessage,
    Subscribe,
    SubscribeItem,
    Unsubscribe,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="allow")


class MsgHeaderIn(_In):
    """MsgHeader_V1.0.0."""

    version: str = "1.0.0"
    message_id: str = Field(min_length=1, max_length=200)
    message_ts: AwareDatetime
    action: str
    sender_id: str = Field(min_length=1, max_length=200)
    sender_uri: str | None = None
    receiver_id: str | None = None
    total_count: int
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None

    def signed(
        self, signature: str | None, content: bytes, principal: Principal, gateway_id: str
    ) -> SignedMessage:
        return SignedMessage(
            signature=signature,
            signed_content=content,
            sender_id=self.sender_id,
            message_id=self.message_id,
            message_ts=self.message_ts,
            action=self.action,
            receiver_id=self.receiver_id,
            sender_uri=self.sender_uri,
            total_count=self.total_count,
            is_msg_encrypted=self.is_msg_encrypted,
            token_subject=principal.subject,
            gateway_id=gateway_id,
        )


class ExpressionValueIn(_In):
    expression: Any = Field(description="the expression text (docs/dci.md#expression)")


class ExpressionQueryIn(_In):
    type: str = Field(description="ns:chasqui:QueryType:expression")
    value: ExpressionValueIn


class IdTypeValueQueryIn(_In):
    type: str = Field(
        description="identifier type: UIN (DNI), DNI, CE, CPP, PTP, PASSPORT, ..., HOUSEHOLD_ID, MOBILE"
    )
    value: str | int | float | bool


class PredicateExpressionIn(_In):
    attribute_name: Any
    operator: Any
    attribute_value: Any


class PredicateIn(_In):
    seq_num: float | None = None
    expression1: PredicateExpressionIn | None = None
    condition: str | None = None
    expression2: PredicateExpressionIn | None = None


class SortIn(_In):
    attribute_name: Any
    sort_order: Any = None


class PaginationIn(_In):
    page_size: float
    page_number: float | None = 1


class SearchCriteriaIn(_In):
    version: str = "1.0.0"
    reg_event_type: str | None = None
    query_type: str
    query: ExpressionQueryIn | IdTypeValueQueryIn | list[PredicateIn]
    sort: list[SortIn] = Field(default_factory=list)
    pagination: PaginationIn | None = None
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class SearchRequestItemIn(_In):
    reference_id: str = Field(min_length=1, max_length=200)
    timestamp: AwareDatetime
    search_criteria: SearchCriteriaIn
    locale: str | None = Field(None, pattern="^[a-z]{3,3}$")

    def item(self) -> SearchItem:
        criteria = self.search_criteria
        query: SearchQuery
        if isinstance(criteria.query, ExpressionQueryIn):
            query = ExpressionQuery(criteria.query.type, criteria.query.value.expression)
        elif isinstance(criteria.query, IdTypeValueQueryIn):
            query = IdTypeValueQuery(criteria.query.type, criteria.query.value)
        else:
            query = tuple(
                PredicateItem(
                    p.seq_num,
                    _expression(p.expression1),
                    p.condition,
                    _expression(p.expression2),
                )
                for p in criteria.query
            )
        pagination = criteria.pagination
        return SearchItem(
            reference_id=self.reference_id,
            timestamp=self.timestamp,
            query_type=criteria.query_type,
            query=query,
            sort=tuple((s.attribute_name, s.sort_order) for s in criteria.sort),
            page_size=pagination.page_size if pagination else None,
            page_number=pagination.page_number if pagination else None,
            locale=self.locale,
        )


def _expression(expression: PredicateExpressionIn | None) -> PredicateExpression | None:
    if expression is None:
        return None
    return PredicateExpression(expression.attribute_name, expression.operator, expression.attribute_value)


class SearchMessageIn(_In):
    """SearchRequest."""

    transaction_id: str = Field(min_length=1, max_length=99)
    search_request: list[SearchRequestItemIn] = Field(min_length=1)


class SearchEnvelopeIn(BaseModel):
    signature: str | None = Field(
        None, description="MsgSignature: ed25519 over {header}+{message} (docs/dci.md)"
    )
    header: MsgHeaderIn
    message: SearchMessageIn

    def command(
        self, content: bytes, principal: Principal, gateway_id: str, *, by_callback: bool
    ) -> SearchRegistry:
        return SearchRegistry(
            message=self.header.signed(self.signature, content, principal, gateway_id),
            transaction_id=self.message.transaction_id,
            items=tuple(r.item() for r in self.message.search_request),
            by_callback=by_callback,
        )


class TxnStatusRequestBodyIn(_In):
    reference_id: str = Field(min_length=1, max_length=200)
    txn_type: Literal["search"]
    attribute_type: Literal["transaction_id", "reference_id_list", "correlation_id"]
    attribute_value: str | list[str]
    locale: str | None = Field(None, pattern="^[a-z]{3,3}$")


class TxnStatusMessageIn(_In):
    transaction_id: str = Field(min_length=1, max_length=99)
    txnstatus_request: TxnStatusRequestBodyIn


class TxnStatusEnvelopeIn(BaseModel):
    signature: str | None = None
    header: MsgHeaderIn
    message: TxnStatusMessageIn

    def command(
        self, content: bytes, principal: Principal, gateway_id: str, *, by_callback: bool
    ) -> CheckTransaction:
        body = self.message.txnstatus_request
        value = body.attribute_value if isinstance(body.attribute_value, str) else tuple(body.attribute_value)
        return CheckTransaction(
            message=self.header.signed(self.signature, content, principal, gateway_id),
            transaction_id=self.message.transaction_id,
            reference_id=body.reference_id,
            txn_type=body.txn_type,
            attribute_type=body.attribute_type,
            attribute_value=value,
            by_callback=by_callback,
        )


class FrequencyIn(_In):
    start_time: AwareDatetime
    end_time: AwareDatetime
    frequency: str = Field(description="cron expression; recorded, notifications are sent as events happen")


class SubscribeCriteriaIn(_In):
    version: str = "1.0.0"
    reg_type: str | None = None
    reg_event_type: str = Field(
        description="REGISTER, DEREGISTER or ns:chasqui:RegistryEventType:CLASSIFY (docs/dci.md#subscriptions)"
    )
    frequency: FrequencyIn | None = None
    filter_type: str = Field(description="idtype-value, expression or predicate, as in search")
    filter: ExpressionQueryIn | IdTypeValueQueryIn | list[PredicateIn]
    notify_record_type: str = Field(description="Person")
    authorize: dict[str, Any] | None = None


class SubscribeRequestItemIn(_In):
    reference_id: str = Field(min_length=1, max_length=200)
    timestamp: AwareDatetime
    subscribe_criteria: SubscribeCriteriaIn
    locale: str | None = Field(None, pattern="^[a-z]{3,3}$")

    def item(self, raw: Any) -> SubscribeItem:
        criteria = self.subscribe_criteria
        frequency = criteria.frequency
        return SubscribeItem(
            reference_id=self.reference_id,
            timestamp=self.timestamp,
            reg_type=criteria.reg_type,
            reg_event_type=criteria.reg_event_type,
            filter_type=criteria.filter_type,
            filter=raw.get("filter") if isinstance(raw, dict) else None,
            notify_record_type=criteria.notify_record_type,
            criteria=raw,
            starts_at=frequency.start_time if frequency else None,
            ends_at=frequency.end_time if frequency else None,
            frequency=frequency.frequency if frequency else None,
            locale=self.locale,
        )


class SubscribeMessageIn(_In):
    """SubscribeRequest."""

    transaction_id: str = Field(min_length=1, max_length=99)
    subscribe_request: list[SubscribeRequestItemIn] = Field(min_length=1)


class SubscribeEnvelopeIn(BaseModel):
    signature: str | None = None
    header: MsgHeaderIn
    message: SubscribeMessageIn

    def command(self, content: bytes, principal: Principal, gateway_id: str) -> Subscribe:
        raw = json.loads(content or b"{}").get("message", {}).get("subscribe_request", [])
        return Subscribe(
            message=self.header.signed(self.signature, content, principal, gateway_id),
            transaction_id=self.message.transaction_id,
            items=tuple(
                r.item(raw[i].get("subscribe_criteria") if i < len(raw) else None)
                for i, r in enumerate(self.message.subscribe_request)
            ),
        )


class UnsubscribeMessageIn(_In):
    """UnSubscribeRequest (the standard requires the misspelt `sunscription_codes`; either is taken)."""

    transaction_id: str = Field(min_length=1, max_length=99)
    timestamp: AwareDatetime | None = None
    subscription_codes: list[Annotated[str, Field(max_length=99)]] = Field(
        default_factory=list, max_length=100
    )
    sunscription_codes: list[Annotated[str, Field(max_length=99)]] = Field(
        default_factory=list, max_length=100
    )


class UnsubscribeEnvelopeIn(BaseModel):
    signature: str | None = None
    header: MsgHeaderIn
    message: UnsubscribeMessageIn

    def command(self, content: bytes, principal: Principal, gateway_id: str) -> Unsubscribe:
        codes = dict.fromkeys([*self.message.subscription_codes, *self.message.sunscription_codes])
        return Unsubscribe(
            message=self.header.signed(self.signature, content, principal, gateway_id),
            transaction_id=self.message.transaction_id,
            codes=tuple(codes),
        )


class SearchEnvelopeOut(BaseModel):
    """The synchronous answer: the on-search message, signed by the gateway."""

    signature: str
    header: DciCallbackHeader
    message: DciSearchResponse


class TxnStatusEnvelopeOut(BaseModel):
    signature: str
    header: DciCallbackHeader
    message: DciTxnStatusResponse


def acknowledgement(ack: Acknowledgement) -> DciAck:
    return DciAck(
        message=DciAckMessage(ack_status="ACK", timestamp=ack.timestamp, correlation_id=ack.correlation_id)
    )


# -- the sender registry (Chasqui's own API) ------------------------------------------------------


class JwksIn(BaseModel):
    keys: list[dict[str, Any]] = Field(description="the sender's Ed25519 public keys as OKP JWKs with a kid")


class SenderIn(BaseModel):
    name: Annotated[str, text(min_length=1, max_length=200)]
    token_subject: Annotated[str, text(min_length=1, max_length=200)] | None = Field(
        None,
        description="the bearer token subject that may speak for this sender (none: any token with the scope)",
    )
    jwks: JwksIn
    callback_uris: list[Annotated[str, text(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=20
    )
    entitled_fields: list[Annotated[str, text(max_length=100)]] = Field(
        description="record fields this sender receives (docs/dci.md#entitlements)"
    )
    max_page_size: int = 100
    requests_per_minute: int = Field(
        600, description="DCI requests this sender may make per minute; more are refused with 429"
    )
    kafka_delivery: bool = Field(
        False,
        description="also take callbacks as CloudEvents on the sender's own Kafka topic "
        "dci-gateway.notify.<sender_id> (created with the sender): a message whose header.sender_uri is "
        "kafka:dci-gateway.notify.<sender_id> is answered there, and so are the notifications of the "
        "subscriptions it makes (docs/dci.md#kafka-delivery)",
    )

    def command(self, sender_id: str) -> RegisterSender:
        return RegisterSender(
            sender_id=sender_id,
            name=self.name,
            token_subject=self.token_subject,
            jwks=tuple(self.jwks.keys),
            callback_uris=tuple(self.callback_uris),
            entitled_fields=tuple(self.entitled_fields),
            max_page_size=self.max_page_size,
            requests_per_minute=self.requests_per_minute,
            kafka_delivery=self.kafka_delivery,
        )


class SenderOut(BaseModel):
    sender_id: str
    name: str
    token_subject: str | None
    key_ids: list[str]
    callback_uris: list[str]
    entitled_fields: list[str]
    max_page_size: int
    requests_per_minute: int
    active: bool
    notify_topic: str | None = Field(
        None, description="the sender's Kafka topic of callbacks (kafka_delivery), delivery URI kafka:<topic>"
    )

    @classmethod
    def of(cls, view: SenderView) -> SenderOut:
        return cls(
            sender_id=view.sender_id,
            name=view.name,
            token_subject=view.token_subject,
            key_ids=list(view.key_ids),
            callback_uris=list(view.callback_uris),
            entitled_fields=list(view.entitled_fields),
            max_page_size=view.max_page_size,
            requests_per_minute=view.requests_per_minute,
            active=view.active,
            notify_topic=view.notify_topic,
        )


class CallbackStatsOut(BaseModel):
    pending: int
    failing: int = Field(description="pending callbacks that failed 10 times or more (still retried)")
    delivered: int


def response_header(
    *, message_id: str, now: datetime, action: str, gateway_id: str, receiver_id: str, count: int
) -> DciCallbackHeader:
    return DciCallbackHeader(
        message_id=message_id,
        message_ts=now,
        action=action,
        status="succ",
        total_count=count,
        completed_count=count,
        sender_id=gateway_id,
        receiver_id=receiver_id,
    )
