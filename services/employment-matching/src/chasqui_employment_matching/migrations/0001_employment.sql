-- Employment matching: seekers, employers, vacancies, job fairs, stored top-N matches,
-- proposals already announced, applications and placements.

CREATE TABLE employers (
    ruc         text PRIMARY KEY,
    name        text NOT NULL,
    sector      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_seekers (
    seeker_id          uuid PRIMARY KEY,
    person_id          text NOT NULL,
    document_type      text NOT NULL,
    document_number    text NOT NULL,
    given_names        text NOT NULL,
    paternal_surname   text,
    maternal_surname   text,
    birth_date         date,
    ubigeo             char(6) NOT NULL,
    occupations        text[] NOT NULL,
    skills             text[] NOT NULL DEFAULT '{}',
    education          text NOT NULL,
    experience_years   integer NOT NULL DEFAULT 0,
    disability         boolean NOT NULL DEFAULT false,
    availability       text NOT NULL,
    expected_salary    integer,
    phone              text,
    email              text,
    consent_to_contact boolean NOT NULL DEFAULT false,
    consent_sms        boolean NOT NULL DEFAULT false,
    consent_email      boolean NOT NULL DEFAULT false,
    consent_whatsapp   boolean NOT NULL DEFAULT false,
    source             text NOT NULL,
    referral_id        text,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_type, document_number)
);

CREATE TABLE job_fairs (
    fair_id     uuid PRIMARY KEY,
    name        text NOT NULL,
    held_on     date NOT NULL,
    ubigeo      char(6) NOT NULL,
    venue       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_fair_attendees (
    fair_id       uuid NOT NULL REFERENCES job_fairs,
    seeker_id     uuid NOT NULL REFERENCES job_seekers,
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fair_id, seeker_id)
);

CREATE TABLE vacancies (
    vacancy_id         uuid PRIMARY KEY,
    employer_ruc       text NOT NULL REFERENCES employers,
    title              text NOT NULL,
    occupation_code    char(4) NOT NULL,
    skills             text[] NOT NULL DEFAULT '{}',
    ubigeo             char(6) NOT NULL,
    positions          integer NOT NULL CHECK (positions > 0),
    placements         integer NOT NULL DEFAULT 0,
    formal             boolean NOT NULL,
    salary_min         integer,
    salary_max         integer,
    inclusive          boolean NOT NULL DEFAULT false,
    education_required text NOT NULL,
    experience_years_required integer NOT NULL DEFAULT 0,
    closes_on          date NOT NULL,
    status             text NOT NULL DEFAULT 'open',
    fair_id            uuid REFERENCES job_fairs,
    published_at       timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz
);
CREATE INDEX vacancies_open ON vacancies (closes_on) WHERE status = 'open';

-- Stored top-N lists: side 'seeker' = the best vacancies of a seeker, 'vacancy' = the best seekers
-- of a vacancy. Recomputed when either side changes (see application/matching.py).
CREATE TABLE matches (
    side        text NOT NULL CHECK (side IN ('seeker', 'vacancy')),
    seeker_id   uuid NOT NULL,
    vacancy_id  uuid NOT NULL,
    score       integer NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (side, seeker_id, vacancy_id)
);
CREATE INDEX matches_by_vacancy ON matches (vacancy_id, side);

-- A MatchProposed event goes out once per (seeker, vacancy), ever.
CREATE TABLE proposals (
    seeker_id   uuid NOT NULL,
    vacancy_id  uuid NOT NULL,
    score       integer NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seeker_id, vacancy_id)
);

CREATE TABLE applications (
    application_id uuid PRIMARY KEY,
    seeker_id      uuid NOT NULL REFERENCES job_seekers,
    vacancy_id     uuid NOT NULL REFERENCES vacancies,
    match_score    integer,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seeker_id, vacancy_id)
);

CREATE TABLE placements (
    placement_id   uuid PRIMARY KEY,
    seeker_id      uuid NOT NULL REFERENCES job_seekers,
    vacancy_id     uuid NOT NULL REFERENCES vacancies,
    formal         boolean NOT NULL,
    start_date     date NOT NULL,
    monthly_salary integer,
    confirmed_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seeker_id, vacancy_id)
);
