"""Kafka entry point for citizen-attention's events (domain/attention_notices.py): a consumer of
its own (group and inbox `<name>-attention`) on `citizen-attention.referrals` and `.requests`,
applying each run of events as the upstream consumer does (`on_events`: cards merged, notices
planned against the card's consent, queued under the (event, person, channel) key; the
dispatcher sends them outside quiet hours)."""

from __future__ import annotations

from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import CITIZEN_ATTENTION_REFERRALS, CITIZEN_ATTENTION_REQUESTS

from chasqui_notifications.application.event_handlers import on_events
from chasqui_notifications.domain.attention_notices import ATTENTION_READINGS


def build_attention_consumer(name: str = "notifications-attention") -> EventConsumer:
    """The consumer of citizen-attention's referrals and S100 requests (`name`: group and inbox)."""
    consumer = EventConsumer(name, topics=[CITIZEN_ATTENTION_REFERRALS, CITIZEN_ATTENTION_REQUESTS])
    for model, _ in ATTENTION_READINGS:
        consumer.on_batch(model)(on_events)
    return consumer
