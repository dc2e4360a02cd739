-- Subscriptions (subscribe / unsubscribe / notify) and rate limits per sender.

ALTER TABLE senders ADD COLUMN requests_per_minute integer NOT NULL DEFAULT 600;

-- Requests per sender in the current minute (fixed window; one row per sender).
CREATE TABLE sender_rate (
    sender_id    text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    requests     integer     NOT NULL
);

-- A sender's subscription to registry events: which event type, which persons (the filter, as
-- the sender sent it), from when to when; notifications go to `uri` (one of its callback URIs).
CREATE TABLE subscriptions (
    subscription_code text PRIMARY KEY,
    sender_id         text        NOT NULL REFERENCES senders ON DELETE CASCADE,
    reference_id      text        NOT NULL,
    transaction_id    text        NOT NULL,
    reg_event_type    text        NOT NULL,
    filter_type       text        NOT NULL,
    filter            jsonb       NOT NULL,       -- the standard's query (idtype-value, expression, predicate)
    notify_record_type text       NOT NULL,
    uri               text        NOT NULL,
    starts_at         timestamptz,
    ends_at           timestamptz,
    frequency         text,
    locale            text,
    status            text        NOT NULL,       -- subscribe | unsubscribe
    created_at        timestamptz NOT NULL,
    ended_at          timestamptz
);
CREATE INDEX subscriptions_active ON subscriptions (reg_event_type) WHERE status = 'subscribe';
CREATE INDEX subscriptions_sender ON subscriptions (sender_id);
