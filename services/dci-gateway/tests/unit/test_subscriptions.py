"""Subscription rules and the envelope text rule, without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from chasqui_common.errors import InvalidValue
from chasqui_dci_gateway.domain.subscriptions import (
    CLASSIFY,
    EVENT_TYPE_OF,
    Subscription,
    check_event_type,
    check_window,
    notification_id,
    unsubscribable,
)
from chasqui_dci_gateway.domain.text import check_message_text


def subscription(**changes: object) -> Subscription:
    base: dict[str, object] = {
        "subscription_code": "SUB-1",
        "sender_id": "juntos.gob.pe",
        "reference_id": "r",
        "reg_event_type": "REGISTER",
        "filter_type": "idtype-value",
        "filter": {"type": "UIN", "value": "12345678"},
        "notify_record_type": "Person",
        "uri": "https://juntos.gob.pe/dci",
    }
    base.update(changes)
    return Subscription(**base)  # type: ignore[arg-type]


def test_every_registry_change_has_an_event_type_the_gateway_accepts() -> None:
    assert all(check_event_type(t) is None for t in EVENT_TYPE_OF.values())
    assert CLASSIFY in EVENT_TYPE_OF.values()
    refusal = check_event_type("PAYMENT")
    assert refusal is not None
    assert refusal.reason_code == "rjct.notify_types.invalid"


def test_a_notification_id_is_the_same_for_the_same_event_and_subscription() -> None:
    event = uuid.uuid4()
    assert notification_id("SUB-1", event) == notification_id("SUB-1", event)
    assert notification_id("SUB-1", event) != notification_id("SUB-2", event)
    assert notification_id("SUB-1", event) != notification_id("SUB-1", uuid.uuid4())


def test_window_and_unsubscribe_rules() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    windowed = subscription(starts_at=start, ends_at=end)
    assert windowed.covers(datetime(2026, 3, 1, tzinfo=UTC))
    assert not windowed.covers(datetime(2026, 7, 1, tzinfo=UTC))
    assert check_window(end, start) is not None
    assert unsubscribable(None, "x", "SUB-9").reason_code == "rjct.subscription_code.invalid"  # type: ignore[union-attr]
    assert unsubscribable(subscription(), "other", "SUB-1").reason_code == "rjct.requester.invalid"  # type: ignore[union-attr]
    ended = subscription(status="unsubscribe")
    assert unsubscribable(ended, "juntos.gob.pe", "SUB-1").reason_code == "rjct.event.already_unsubscribed"  # type: ignore[union-attr]
    assert unsubscribable(subscription(), "juntos.gob.pe", "SUB-1") is None


def test_a_control_character_anywhere_in_an_envelope_is_refused_naming_its_field() -> None:
    check_message_text({"header": {"message_id": "Ñaupa O’Higgins – 😀"}, "message": {"a": [1, True, None]}})
    with pytest.raises(InvalidValue) as refused:
        check_message_text({"message": {"search_request": [{"query": {"value": "Ana\x00"}}]}})
    assert refused.value.field == "message.search_request.0.query.value"
