-- The household projection (built from registry.households events) and the decisions on it.

CREATE SEQUENCE projection_seq;

CREATE TABLE households (
    household_id    text PRIMARY KEY,
    snapshot        jsonb       NOT NULL,          -- the registry's full Household snapshot
    active          boolean     NOT NULL,
    ubigeo          text        NOT NULL,
    cse_level       text,
    cse_valid_from  date,
    cse_valid_until date,
    residence_since date        NOT NULL,
    last_event_id   uuid,
    evaluated_on    date,                          -- the date its decisions were last computed for
    seq             bigint      NOT NULL DEFAULT nextval('projection_seq'),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_seq ON households (seq);

-- Typed member columns, so the fast path loads the projection without parsing JSON.
CREATE TABLE members (
    household_id         text    NOT NULL REFERENCES households ON DELETE CASCADE,
    person_id            text    NOT NULL,
    birth_date           date    NOT NULL,
    document_type        text    NOT NULL,
    pension              text    NOT NULL,
    disability_severity  text    NOT NULL,
    disability_certified boolean NOT NULL,
    pregnant             boolean NOT NULL,
    secondary_last_year  boolean NOT NULL,
    secondary_completed  boolean NOT NULL,
    in_school            boolean NOT NULL,
    PRIMARY KEY (household_id, person_id)
);

-- The current decision per program and unit; person_id is '' for household programs.
CREATE TABLE decisions (
    household_id          text        NOT NULL,
    program               text        NOT NULL,
    person_id             text        NOT NULL DEFAULT '',
    decision_id           uuid        NOT NULL,
    eligible              boolean     NOT NULL,
    benefit_kind          text        NOT NULL,
    benefit_centimos      integer,
    benefit_period_months integer,
    priority_points       integer,
    rule_set_version      text        NOT NULL,
    as_of                 date        NOT NULL,
    criteria              jsonb       NOT NULL,
    cause                 text        NOT NULL,
    caused_by_event_id    uuid,
    decided_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (household_id, program, person_id)
);

-- Every decision ever recorded, for audit ("why was I paid in March?").
CREATE TABLE decision_log (
    decision_id        uuid PRIMARY KEY,
    household_id       text        NOT NULL,
    program            text        NOT NULL,
    person_id          text        NOT NULL,
    eligible           boolean     NOT NULL,
    previous_eligible  boolean     NOT NULL,
    benefit_centimos   integer,
    rule_set_version   text        NOT NULL,
    as_of              date        NOT NULL,
    criteria           jsonb       NOT NULL,
    cause              text        NOT NULL,
    caused_by_event_id uuid,
    decided_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_log_household ON decision_log (household_id, decided_at);

CREATE TABLE sweep_state (
    id          integer PRIMARY KEY CHECK (id = 1),
    last_swept  date        NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
