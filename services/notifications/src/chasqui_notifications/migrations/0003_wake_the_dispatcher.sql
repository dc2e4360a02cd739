-- Wake the dispatcher when a transaction that queued messages commits (NOTIFY is transactional),
-- instead of waiting for its next poll (issue 17). The dispatcher still polls as a fallback.
CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chasqui_deliveries_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
