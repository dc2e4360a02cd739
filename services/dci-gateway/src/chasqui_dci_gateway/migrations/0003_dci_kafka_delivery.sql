-- A sender may take its callbacks (notify and the on-* answers of the messages that ask for it)
-- as CloudEvents on a Kafka topic of its own, dci-gateway.notify.<sender_id>, created with the
-- sender (docs/dci.md#kafka-delivery).

ALTER TABLE senders ADD COLUMN kafka_delivery boolean NOT NULL DEFAULT false;
-- When the gateway made sure the sender's topic exists; NULL: still to do (callbacks wait queued).
ALTER TABLE senders ADD COLUMN topic_ready_at timestamptz;
CREATE INDEX senders_topic_pending ON senders (sender_id) WHERE kafka_delivery AND topic_ready_at IS NULL;
