-- Citizen attention: the municipalities' attention data (loaded from data files), the citizen
-- projection (from registry, migrant-services and employment-matching events, plus people first
-- met at the counter), tickets, attentions, referrals and ULE classification requests.

CREATE TABLE municipalities (
    ubigeo      text PRIMARY KEY,
    name        text        NOT NULL,
    source      text        NOT NULL,         -- the data file it was loaded from
    loaded_at   timestamptz NOT NULL
);

CREATE TABLE offices (
    ubigeo  text NOT NULL REFERENCES municipalities ON DELETE CASCADE,
    office  text NOT NULL,
    name    text NOT NULL,
    PRIMARY KEY (ubigeo, office)
);

CREATE TABLE procedures (
    ubigeo                 text    NOT NULL,
    office                 text    NOT NULL,
    procedure              text    NOT NULL,
    name                   text    NOT NULL,
    steps                  text[]  NOT NULL,
    deadline_working_days  integer NOT NULL CHECK (deadline_working_days > 0),
    position               integer NOT NULL,
    PRIMARY KEY (ubigeo, office, procedure),
    FOREIGN KEY (ubigeo, office) REFERENCES offices ON DELETE CASCADE
);

CREATE TABLE non_working_days (
    ubigeo  text NOT NULL REFERENCES municipalities ON DELETE CASCADE,
    day     date NOT NULL,
    reason  text NOT NULL,
    PRIMARY KEY (ubigeo, day)
);

CREATE TABLE sectors (
    ubigeo    text    NOT NULL REFERENCES municipalities ON DELETE CASCADE,
    sector    text    NOT NULL,
    name      text    NOT NULL,
    position  integer NOT NULL,
    PRIMARY KEY (ubigeo, sector)
);

-- One row per person, found by document. Registry data (name, household, birth date, disability,
-- CSE) wins over what other sources say; registry_event_time keeps a late older event from
-- undoing a newer one.
CREATE TABLE citizens (
    citizen_id            text PRIMARY KEY,
    document_type         text        NOT NULL,
    document_number       text        NOT NULL,
    given_names           text        NOT NULL,
    paternal_surname      text,
    maternal_surname      text,
    birth_date            date,
    sex                   text,
    person_id             text,                  -- registry person id
    household_id          text,
    household_ubigeo      text,
    disability_severity   text,
    disability_certified  boolean,
    cse_level             text,
    cse_valid_until       date,
    migrant_id            text,
    migrant_case_id       text,
    seeker_id             text,
    known_from            text        NOT NULL,  -- registry | migrant-services | employment-matching | counter
    registry_event_time   timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    UNIQUE (document_type, document_number)
);
CREATE INDEX citizens_household ON citizens (household_id);
CREATE INDEX citizens_person ON citizens (person_id);
CREATE INDEX citizens_migrant ON citizens (migrant_id);

CREATE TABLE tickets (
    ticket_id    text PRIMARY KEY,
    ubigeo       text        NOT NULL,
    office       text        NOT NULL,
    day          date        NOT NULL,       -- Lima day of issue
    number       integer     NOT NULL,       -- per office and day, from 1
    citizen_id   text REFERENCES citizens,
    procedure    text,
    status       text        NOT NULL,
    issued_at    timestamptz NOT NULL,
    called_at    timestamptz,
    called_by    text,
    attended_at  timestamptz,
    closed_at    timestamptz,
    UNIQUE (ubigeo, office, day, number)
);
CREATE INDEX tickets_office_day ON tickets (ubigeo, day, office, status);
CREATE INDEX tickets_citizen ON tickets (citizen_id);

-- Tickets and attentions name office and procedure codes without a foreign key: reloading a
-- municipality's data file replaces its offices and procedures, and what was recorded under a
-- code stays as it was (the use cases check codes against the data in force).

-- Attention records: the largest table (a municipality records hundreds a day; the figures are
-- sized for 1,000,000 rows). Figures group by (ubigeo, day, office, procedure, sector): one index
-- leads with the municipality and the day so a date range is one index range scan.
CREATE TABLE attentions (
    attention_id      text PRIMARY KEY,
    ubigeo            text        NOT NULL,
    office            text        NOT NULL,
    procedure         text        NOT NULL,
    step              text        NOT NULL,
    citizen_id        text        NOT NULL REFERENCES citizens,
    ticket_id         text REFERENCES tickets,
    staff             text        NOT NULL,
    channel           text        NOT NULL,
    outcome           text        NOT NULL,
    notes             text,
    sector            text,
    day               date        NOT NULL,
    started_at        timestamptz NOT NULL,
    duration_seconds  integer     NOT NULL CHECK (duration_seconds >= 0),
    waiting_seconds   integer CHECK (waiting_seconds >= 0),
    recorded_at       timestamptz NOT NULL
);
CREATE INDEX attentions_figures ON attentions (ubigeo, day, office, procedure, sector)
    INCLUDE (duration_seconds, waiting_seconds);
CREATE INDEX attentions_process ON attentions (ubigeo, office, procedure, citizen_id, started_at)
    INCLUDE (step);
CREATE INDEX attentions_citizen ON attentions (citizen_id, started_at);
CREATE UNIQUE INDEX attentions_ticket ON attentions (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE referrals (
    referral_id         text PRIMARY KEY,
    ubigeo              text,                -- receiving municipality (null: none loaded for the district)
    district            text        NOT NULL, -- the district it was meant for
    source              text        NOT NULL, -- office | migracentro
    from_office         text,
    to_office           text        NOT NULL,
    citizen_id          text        NOT NULL REFERENCES citizens,
    procedure           text,
    reason              text,
    status              text        NOT NULL,
    due_on              date        NOT NULL,
    made_on             date        NOT NULL,
    made_at             timestamptz NOT NULL,
    made_by             text        NOT NULL,
    accepted_at         timestamptz,
    rejected_at         timestamptz,
    rejection_reason    text,
    completed_at        timestamptz,
    completed_on        date,
    deadline_missed_at  timestamptz,
    external_id         text UNIQUE,           -- the Migracentro referral id
    migrant_case_id     text
);
CREATE INDEX referrals_open_due ON referrals (due_on) WHERE status IN ('pending', 'accepted')
    AND deadline_missed_at IS NULL;
CREATE INDEX referrals_figures_made ON referrals (ubigeo, made_on, from_office);
CREATE INDEX referrals_to ON referrals (ubigeo, to_office, status);
CREATE INDEX referrals_citizen ON referrals (citizen_id);

CREATE TABLE classification_requests (
    request_id          text PRIMARY KEY,
    ubigeo              text        NOT NULL,
    citizen_id          text        NOT NULL REFERENCES citizens,
    household_id        text,
    status              text        NOT NULL,
    registered_on       date        NOT NULL,
    home_visit_due_on   date        NOT NULL,
    visited_on          date,
    result_due_on       date,
    result_level        text,
    result_valid_from   date,
    result_valid_until  date,
    result_recorded_on  date,
    registered_by       text        NOT NULL,
    created_at          timestamptz NOT NULL
);
CREATE INDEX classification_requests_open ON classification_requests (ubigeo, status);
CREATE INDEX classification_requests_citizen ON classification_requests (citizen_id);
