-- Households, their members, CSE history, and bulk imports with their per-row errors.

CREATE TABLE households (
    household_id     uuid PRIMARY KEY,
    ubigeo           char(6)     NOT NULL,
    address          text        NOT NULL,
    residence_since  date        NOT NULL,
    registering_unit text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deregistered')),
    classification   jsonb,
    -- The import row key (registering_unit + '/' + household_key) that created it, if imported.
    import_key       text UNIQUE,
    deregistered_reason text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE persons (
    person_id       uuid PRIMARY KEY,
    household_id    uuid    NOT NULL REFERENCES households (household_id),
    position        integer NOT NULL,
    document_type   text    NOT NULL,
    document_number text,
    -- True while the person is a member of an active household: only then is the document taken.
    registered      boolean NOT NULL DEFAULT true,
    removed_reason  text,
    removed_at      timestamptz,
    data            jsonb   NOT NULL
);

CREATE INDEX persons_household ON persons (household_id, position);
CREATE UNIQUE INDEX persons_registered_document ON persons (document_type, document_number)
    WHERE registered AND document_number IS NOT NULL;
CREATE INDEX persons_document ON persons (document_type, document_number);

CREATE TABLE classifications (
    id           bigserial PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (household_id),
    level        text NOT NULL CHECK (level IN ('POBRE_EXTREMO', 'POBRE', 'NO_POBRE')),
    valid_from   date NOT NULL,
    valid_until  date NOT NULL,
    source       text NOT NULL,
    assigned_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX classifications_household ON classifications (household_id, id);

CREATE TABLE imports (
    import_id       uuid PRIMARY KEY,
    filename        text        NOT NULL,
    format          text        NOT NULL CHECK (format IN ('csv', 'jsonl')),
    status          text        NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    rows_read       integer     NOT NULL DEFAULT 0,
    households_read integer     NOT NULL DEFAULT 0,
    households_imported integer NOT NULL DEFAULT 0,
    households_skipped  integer NOT NULL DEFAULT 0,
    households_rejected integer NOT NULL DEFAULT 0,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE import_errors (
    import_id     uuid    NOT NULL REFERENCES imports (import_id),
    row_number    integer NOT NULL,
    household_key text,
    field         text    NOT NULL,
    value         text,
    reason        text    NOT NULL
);

CREATE INDEX import_errors_import ON import_errors (import_id, row_number);
