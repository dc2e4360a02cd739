-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): the first answer to a creating
-- POST, stored in the transaction of its effect, per client (token subject), route and key.
-- chasqui_common.http.idempotency writes and replays it; rows expire after IDEMPOTENCY_TTL_HOURS
-- (24 h by default) and a background task of every service deletes them.

CREATE TABLE idempotency_keys (
    client      text        NOT NULL,
    route       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    status      smallint    NOT NULL,
    headers     jsonb       NOT NULL,
    body        bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (client, route, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
