-- Migrant services: attention points, migrants and documents, cases and history, appointment
-- slots, referrals and the document expiry alerts already raised.

CREATE TABLE attention_points (
    code          text PRIMARY KEY,
    name          text NOT NULL,
    ubigeo        char(6) NOT NULL CHECK (ubigeo ~ '^[0-9]{6}$'),
    address       text NOT NULL,
    opening_hours jsonb NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_capacity (
    attention_point text NOT NULL REFERENCES attention_points (code),
    service         text NOT NULL,
    daily_capacity  integer NOT NULL CHECK (daily_capacity >= 0),
    PRIMARY KEY (attention_point, service)
);

CREATE TABLE migrants (
    id                uuid PRIMARY KEY,
    attention_point   text NOT NULL REFERENCES attention_points (code),
    given_names       text NOT NULL,
    paternal_surname  text,
    maternal_surname  text,
    birth_date        date NOT NULL,
    sex               text,
    nationality       char(3) NOT NULL,
    entry_date        date,
    phone             text,
    email             text,
    consent_sms       boolean NOT NULL DEFAULT false,
    consent_email     boolean NOT NULL DEFAULT false,
    consent_whatsapp  boolean NOT NULL DEFAULT false,
    occupations       text[] NOT NULL DEFAULT '{}',
    skills            text[] NOT NULL DEFAULT '{}',
    registered_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE migrant_documents (
    id          uuid PRIMARY KEY,
    migrant_id  uuid NOT NULL REFERENCES migrants (id),
    type        text NOT NULL,
    number      text NOT NULL,
    expires_on  date,
    -- a document identifies one person: registering it twice is a duplicate person
    UNIQUE (type, number),
    UNIQUE (migrant_id, type)
);
CREATE INDEX migrant_documents_expiry ON migrant_documents (expires_on) WHERE type IN ('CPP', 'CE');

CREATE TABLE cases (
    id                 uuid PRIMARY KEY,
    migrant_id         uuid NOT NULL REFERENCES migrants (id),
    attention_point    text NOT NULL REFERENCES attention_points (code),
    status             text NOT NULL CHECK (status IN ('open', 'in_progress', 'referred', 'closed')),
    requested_services text[] NOT NULL,
    opened_at          timestamptz NOT NULL,
    closed_at          timestamptz,
    outcome            text
);
CREATE INDEX cases_migrant ON cases (migrant_id);
CREATE INDEX cases_point_opened ON cases (attention_point, opened_at);

CREATE TABLE case_history (
    id          bigserial PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    from_status text,
    to_status   text NOT NULL,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    note        text
);
CREATE INDEX case_history_case ON case_history (case_id, id);

-- One row per attention point, service and day that has bookings. `booked` only moves through a
-- conditional UPDATE (booked < capacity), and the CHECK makes overbooking impossible even if a
-- future code path forgets the condition.
CREATE TABLE slot_days (
    attention_point text NOT NULL REFERENCES attention_points (code),
    service         text NOT NULL,
    day             date NOT NULL,
    capacity        integer NOT NULL,
    booked          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (attention_point, service, day),
    CHECK (booked >= 0 AND booked <= capacity)
);

CREATE TABLE appointments (
    id              uuid PRIMARY KEY,
    migrant_id      uuid NOT NULL REFERENCES migrants (id),
    case_id         uuid REFERENCES cases (id),
    attention_point text NOT NULL,
    service         text NOT NULL,
    day             date NOT NULL,
    status          text NOT NULL CHECK (status IN ('booked', 'cancelled')),
    booked_at       timestamptz NOT NULL,
    cancelled_at    timestamptz,
    cancel_reason   text,
    FOREIGN KEY (attention_point, service, day) REFERENCES slot_days (attention_point, service, day)
);
-- a person holds at most one live appointment per attention point, service and day
CREATE UNIQUE INDEX appointments_one_per_person
    ON appointments (migrant_id, attention_point, service, day) WHERE status = 'booked';
CREATE INDEX appointments_point_day ON appointments (attention_point, day);

CREATE TABLE referrals (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    migrant_id      uuid NOT NULL REFERENCES migrants (id),
    attention_point text NOT NULL,
    target          text NOT NULL,
    notes           text,
    issued_at       timestamptz NOT NULL,
    issued_by       text NOT NULL,
    UNIQUE (case_id, target)
);
CREATE INDEX referrals_point_issued ON referrals (attention_point, issued_at);

-- One row per document expiry already announced: the watch raises DocumentExpiring once per
-- (document, expiry date), however often it sweeps; a renewal (new date) is announced anew.
CREATE TABLE document_expiry_alerts (
    document_id uuid NOT NULL REFERENCES migrant_documents (id),
    expires_on  date NOT NULL,
    raised_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, expires_on)
);

-- The four Migracentros. Capacities are appointments per day per service.
INSERT INTO attention_points (code, name, ubigeo, address, opening_hours) VALUES
    ('ICA', 'Migracentro Ica', '110101', 'Ica, provincia de Ica, Ica',
     '{"mon": "08:30-16:30", "tue": "08:30-16:30", "wed": "08:30-16:30", "thu": "08:30-16:30", "fri": "08:30-16:30"}'),
    ('PURUCHUCO', 'Migracentro Lima – Puruchuco', '150103', 'Puruchuco, Ate, Lima',
     '{"mon": "08:00-17:00", "tue": "08:00-17:00", "wed": "08:00-17:00", "thu": "08:00-17:00", "fri": "08:00-17:00", "sat": "08:00-13:00"}'),
    ('VMT', 'Migracentro Lima – Villa María del Triunfo', '150143', 'Villa María del Triunfo, Lima',
     '{"mon": "08:30-16:30", "tue": "08:30-16:30", "wed": "08:30-16:30", "thu": "08:30-16:30", "fri": "08:30-16:30"}'),
    ('PRIMAVERA', 'Migracentro Lima – Primavera', '150130', 'Primavera, San Borja, Lima',
     '{"mon": "08:00-17:00", "tue": "08:00-17:00", "wed": "08:00-17:00", "thu": "08:00-17:00", "fri": "08:00-17:00", "sat": "08:00-13:00"}');

INSERT INTO service_capacity (attention_point, service, daily_capacity)
SELECT point, service, capacity
FROM (VALUES ('ICA', 1), ('PURUCHUCO', 3), ('VMT', 2), ('PRIMAVERA', 3)) AS p (point, scale)
CROSS JOIN LATERAL (VALUES
    ('document_procedure', 40 * scale),
    ('refugee_guidance', 10 * scale),
    ('employment_orientation', 20 * scale),
    ('health_affiliation', 15 * scale),
    ('education_validation', 10 * scale),
    ('social_programs_registration', 15 * scale)
) AS s (service, capacity);
