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
CONSUMER_PAUSED = Gauge(
    "chasqui_consumer_paused",
    "1 while a consumer is paused because its environment failed (reason: database_unavailable, "
    "database_timeout, database_contention, broker_unavailable, dependency_unavailable): it "
    "commits nothing and retries its batch until it passes",
    ["consumer", "reason"],
)
CONSUMER_PAUSES = Counter(
    "chasqui_consumer_pauses_total",
    "Times a consumer paused its partitions because its environment failed",
    ["consumer", "reason"],
)
KAFKA_UP = Gauge(
    "chasqui_kafka_up",
    "1 if the service's last broker health check reached the Kafka cluster, else 0",
    ["service"],
)
OUTBOX_RELAY_LEADER = Gauge(
    "chasqui_outbox_relay_leader",
    "1 while this replica's outbox relay holds the schema's relay lock and publishes",
    ["schema"],
)
OUTBOX_LEADERSHIP_LOST = Counter(
    "chasqui_outbox_relay_leadership_lost_total",
    "Times a relay found its lock session gone before a batch and stopped publishing",
    ["schema"],
)
