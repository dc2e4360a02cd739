-- Issue 13.
-- A person keeps their person_id when they move between households: the same person_id may now
-- have one row per household they belonged to (the old rows removed or of a deregistered
-- household), but is registered in one household at most.
ALTER TABLE persons DROP CONSTRAINT persons_pkey;
ALTER TABLE persons ADD COLUMN membership_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE UNIQUE INDEX persons_person_household ON persons (person_id, household_id);
CREATE UNIQUE INDEX persons_registered_person ON persons (person_id) WHERE registered;

-- Imports cut off by a shutdown or a crash are `interrupted`; the replica running an import and
-- its heartbeat tell which ones were cut off.
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('queued', 'running', 'completed', 'failed', 'interrupted'));
ALTER TABLE imports ADD COLUMN instance text;
ALTER TABLE imports ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX imports_unfinished ON imports (heartbeat_at) WHERE status IN ('queued', 'running');
