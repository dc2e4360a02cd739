-- Shared plumbing tables, created in every service's own schema before its migrations.

CREATE TABLE outbox (
    position     bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    event_type   text        NOT NULL,
    topic        text        NOT NULL,
    message_key  text,
    headers      jsonb       NOT NULL,
    body         bytea       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    state        text        NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'published')),
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text,
    published_at timestamptz
);

CREATE INDEX outbox_pending ON outbox (position) WHERE state <> 'published';

-- Wake the relay when a transaction that recorded events commits (NOTIFY is transactional).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chasqui_outbox_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

CREATE TABLE inbox (
    consumer    text        NOT NULL,
    event_id    uuid        NOT NULL,
    event_type  text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
