-- Notices for a person this service cannot reach yet: no upstream event has brought their contact
-- card. A decision (eligibility.decisions, with no contact details since decision.changed.v2,
-- ADR 0008) can arrive before the registry event that brings the card: different topics, no order
-- between them. The notice waits here, as the event that asked for it, and is planned against the
-- card when the card arrives (event_handlers.apply_readings); rows older than 30 days are dropped.
CREATE TABLE awaiting_contact (
    event_id    uuid        NOT NULL,
    event_type  text        NOT NULL,
    person_id   text        NOT NULL,
    event_time  timestamptz NOT NULL,
    body        jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, event_id)
);

CREATE INDEX awaiting_contact_received ON awaiting_contact (received_at);
