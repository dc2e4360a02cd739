"""Prometheus metrics shared by every service (labelled by service or consumer)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_PROCESSED = Counter(
    "chasqui_messages_processed_total",
    "Messages a consumer finished, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["consumer", "topic", "outcome"],
)
MESSAGES_FAILED = Counter(
    "chasqui_messages_failed_total",
    "Handler attempts that raised, by whether the failure was transient",
    ["consumer", "topic", "transient"],
)
HANDLER_SECONDS = Histogram(
    "chasqui_handler_seconds",
    "Time to apply one message, retries included",
    ["consumer", "topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DEAD_LETTERS = Counter(
    "chasqui_dead_letters_total",
    "Messages sent to a dead-letter topic, by reason",
    ["consumer", "topic", "reason"],
)
OUTBOX_PUBLISHED = Counter("chasqui_outbox_published_total", "Events the outbox relay published", ["schema"])
OUTBOX_BACKLOG = Gauge("chasqui_outbox_backlog", "Events recorded but not yet published", ["schema"])
OUTBOX_OLDEST_AGE = Gauge(
    "chasqui_outbox_oldest_unpublished_seconds",
    "Age of the oldest event not yet published (0 when none)",
    ["schema"],
)
CONSUMER_LAG = Gauge(
    "chasqui_consumer_lag",
    "Messages behind the end of each partition, per consumer",
    ["consumer", "topic", "partition"],
)
