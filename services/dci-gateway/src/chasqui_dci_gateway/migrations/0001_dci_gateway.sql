-- The DCI gateway: its search projection of the registry (built from registry.households events),
-- the sender registry, the messages received (duplicate message_id refusal), transactions (for
-- txn/status), the durable callback queue and the access log of personal data.

CREATE TABLE households (
    household_id      text PRIMARY KEY,
    status            text        NOT NULL,
    ubigeo            text        NOT NULL,
    address           text        NOT NULL,
    residence_since   date        NOT NULL,
    registering_unit  text        NOT NULL,
    cse_level         text,
    cse_valid_from    date,
    cse_valid_until   date,
    cse_source        text,
    registered_at     timestamptz NOT NULL,          -- time of the first event seen
    updated_at        timestamptz NOT NULL,          -- time of the event the row reflects
    last_event_id     uuid        NOT NULL
);
CREATE INDEX households_ubigeo ON households (ubigeo);
CREATE INDEX households_cse ON households (cse_level);

CREATE TABLE members (
    household_id         text    NOT NULL REFERENCES households ON DELETE CASCADE,
    person_id            text    NOT NULL,
    document_type        text    NOT NULL,
    document_number      text,
    given_names          text    NOT NULL,
    paternal_surname     text,
    maternal_surname     text,
    birth_date           date    NOT NULL,
    sex                  text    NOT NULL,
    relationship         text    NOT NULL,
    disability_severity  text    NOT NULL,
    disability_certified boolean NOT NULL,
    pregnant             boolean NOT NULL,
    pension              text    NOT NULL,
    phone                text,
    email                text,
    PRIMARY KEY (household_id, person_id)
);
CREATE INDEX members_document ON members (document_number, document_type);
CREATE INDEX members_phone ON members (phone);
CREATE INDEX members_birth_date ON members (birth_date);

-- Who may call: a registered DCI sender (a programme, a registry), its keys and callback URIs,
-- the record fields it may receive, and the largest page it may ask for.
CREATE TABLE senders (
    sender_id       text PRIMARY KEY,
    name            text        NOT NULL,
    token_subject   text,                            -- the bearer token subject allowed to speak for it
    callback_uris   text[]      NOT NULL,            -- callbacks go to these URIs and nowhere else
    entitled_fields text[]      NOT NULL,
    max_page_size   integer     NOT NULL,
    active          boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE sender_keys (
    sender_id  text  NOT NULL REFERENCES senders ON DELETE CASCADE,
    key_id     text  NOT NULL,
    public_key bytea NOT NULL,                       -- raw Ed25519 public key (32 bytes)
    jwk        jsonb NOT NULL,
    PRIMARY KEY (sender_id, key_id)
);

-- Every accepted message id per sender: a second message with the same id is refused.
CREATE TABLE received_messages (
    sender_id   text        NOT NULL,
    message_id  text        NOT NULL,
    action      text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (sender_id, message_id)
);
CREATE INDEX received_messages_age ON received_messages (received_at);

-- Transactions a sender started (search), answered by txn/status while their answer is kept.
CREATE TABLE transactions (
    correlation_id text PRIMARY KEY,
    sender_id      text        NOT NULL,
    transaction_id text        NOT NULL,
    action         text        NOT NULL,
    status         text        NOT NULL,             -- rcvd, pdng, succ, rjct (the standard's)
    reference_ids  text[]      NOT NULL,
    response       jsonb,                            -- the SearchResponse message, kept for txn/status
    created_at     timestamptz NOT NULL,
    completed_at   timestamptz
);
CREATE INDEX transactions_sender ON transactions (sender_id, transaction_id);

-- The durable callback queue: each row is delivered at least once, retried with backoff, never
-- dropped; message_id stays the same across retries so the receiver can deduplicate.
CREATE TABLE callbacks (
    callback_id     bigserial PRIMARY KEY,
    message_id      uuid        NOT NULL UNIQUE,
    sender_id       text        NOT NULL,
    uri             text        NOT NULL,
    action          text        NOT NULL,
    correlation_id  text,
    message         jsonb       NOT NULL,            -- the callback's message; header and signature at send
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    leased_until    timestamptz,
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL
);
CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE delivered_at IS NULL;

-- Who received whose personal data (Ley 29733): one row per answered request.
CREATE TABLE access_log (
    id             bigserial PRIMARY KEY,
    sender_id      text        NOT NULL,
    message_id     text        NOT NULL,
    action         text        NOT NULL,
    reference_id   text,
    query_type     text,
    status         text        NOT NULL,
    person_ids     text[]      NOT NULL,
    fields         text[]      NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX access_log_sender ON access_log (sender_id, at);
