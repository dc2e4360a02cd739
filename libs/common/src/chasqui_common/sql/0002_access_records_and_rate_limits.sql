-- The access record (Ley 29733, DS 016-2024-JUS: a record of who accessed personal data) and the
-- per-client token buckets of rate-limited lookups. chasqui_common.audit and
-- chasqui_common.ratelimit write them, in the transaction of the read or write they concern.

CREATE TABLE access_records (
    record_id     uuid        PRIMARY KEY,
    occurred_at   timestamptz NOT NULL,
    service       text        NOT NULL,
    subject       text        NOT NULL,  -- the token subject
    client_id     text,
    purpose       text,                  -- X-Purpose, as declared by the client
    operation     text        NOT NULL,  -- e.g. registry.household.read, registry.persons.lookup
    outcome       text        NOT NULL,  -- ok | none-found
    resource_type text        NOT NULL,
    resource_ids  text[]      NOT NULL,  -- the ids touched (households, persons, cases, ...)
    person_refs   text[]      NOT NULL   -- keyed hashes of the documents touched (never in clear)
);

CREATE INDEX access_log_time ON access_records (occurred_at);
CREATE INDEX access_log_person_refs ON access_records USING gin (person_refs);

-- Append-only: no row changes, and rows go only by the retention purge, which says so first
-- (SET LOCAL chasqui.access_records_purge = 'on'), so no ordinary statement can remove a trace.
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chasqui.access_records_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access_records is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_records
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

CREATE TABLE rate_limit_buckets (
    bucket     text             NOT NULL,  -- the kind of request, e.g. document-lookup
    client     text             NOT NULL,  -- the token subject
    tokens     double precision NOT NULL,  -- after the last request
    allowed    boolean          NOT NULL,  -- whether the last request got a token
    updated_at timestamptz      NOT NULL,
    PRIMARY KEY (bucket, client)
);
