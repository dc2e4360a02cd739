"""Where a sender's callbacks may go when it takes them on Kafka: its own topic, named from its id,
and nothing else (docs/dci.md#kafka-delivery)."""

from __future__ import annotations

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_dci_gateway.domain.errors import SenderUriInvalid
from chasqui_dci_gateway.domain.senders import (
    Sender,
    check_kafka_delivery,
    kafka_topic_of,
    kafka_uri,
    notify_topic,
)


def sender(sender_id: str = "juntos.gob.pe", *, kafka: bool, uris: tuple[str, ...] = ()) -> Sender:
    return Sender(sender_id, "JUNTOS", None, uris, frozenset({"identifier"}), 100, kafka_delivery=kafka)


def test_a_senders_topic_is_named_from_its_id() -> None:
    assert notify_topic("juntos.gob.pe") == "dci-gateway.notify.juntos.gob.pe"
    assert kafka_uri(notify_topic("juntos.gob.pe")) == "kafka:dci-gateway.notify.juntos.gob.pe"
    assert kafka_topic_of("kafka:dci-gateway.notify.juntos.gob.pe") == "dci-gateway.notify.juntos.gob.pe"
    assert kafka_topic_of("https://juntos.gob.pe/dci") is None


def test_its_own_topic_is_a_delivery_uri_only_with_kafka_delivery() -> None:
    own = "kafka:dci-gateway.notify.juntos.gob.pe"
    with_kafka = sender(kafka=True, uris=("https://juntos.gob.pe/dci",))
    assert with_kafka.delivery_uris == ("https://juntos.gob.pe/dci", own)
    assert with_kafka.callback_for(own) == own
    assert with_kafka.callback_for(None) == "https://juntos.gob.pe/dci"  # HTTP first when it has one
    assert sender(kafka=True).callback_for(None) == own
    with pytest.raises(SenderUriInvalid):
        sender(kafka=False, uris=("https://juntos.gob.pe/dci",)).callback_for(own)


def test_another_senders_topic_or_any_other_topic_is_a_foreign_uri() -> None:
    juntos = sender(kafka=True)
    for foreign in ("kafka:dci-gateway.notify.pension65.gob.pe", "kafka:registry.households", "kafka:"):
        with pytest.raises(SenderUriInvalid):
            juntos.callback_for(foreign)


def test_a_sender_id_that_cannot_name_a_topic_cannot_take_kafka_delivery() -> None:
    assert check_kafka_delivery("juntos.gob.pe", True) is True
    assert check_kafka_delivery("juntos gob pe", False) is False  # no topic asked: any id will do
    for bad in ("juntos gob pe", "juntos/gob", "ñuñoa.gob.pe", "x" * 231):
        with pytest.raises(InvalidValue) as refused:
            check_kafka_delivery(bad, True)
        assert refused.value.field == "kafka_delivery"
        assert refused.value.value == bad
