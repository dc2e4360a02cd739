-- Contact cards (a projection of upstream events plus the person's own choices) and deliveries.

CREATE TABLE contacts (
    person_id          text PRIMARY KEY,
    given_names        text,
    phone              text,
    email              text,
    contact_at         timestamptz,
    consent            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    employment_contact boolean,
    language           text        NOT NULL DEFAULT 'es',
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- One row per (event, person, channel): the unique key is what makes a message go at most once,
-- whatever the redeliveries, restarts or number of consumers.
CREATE TABLE deliveries (
    delivery_id     uuid PRIMARY KEY,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    person_id       text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
    template        text        NOT NULL,
    language        text        NOT NULL,
    needs_employment_contact boolean NOT NULL DEFAULT false,
    subject         text,
    body_text       text        NOT NULL,
    body_html       text,
    status          text        NOT NULL CHECK (status IN ('queued', 'deferred_quiet_hours', 'sending',
                                                          'sent', 'failed', 'suppressed_consent')),
    reason          text,
    attempts        integer     NOT NULL DEFAULT 0,
    not_before      timestamptz,
    lease_until     timestamptz,
    provider_message_id text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CONSTRAINT deliveries_once UNIQUE (event_id, person_id, channel)
);

CREATE INDEX deliveries_due ON deliveries (not_before NULLS FIRST)
    WHERE status IN ('queued', 'deferred_quiet_hours');
CREATE INDEX deliveries_sending ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_person ON deliveries (person_id, created_at DESC);
