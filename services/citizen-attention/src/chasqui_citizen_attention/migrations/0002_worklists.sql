-- Worklists fed by eligibility decisions (domain/worklists.py): who an office should reach out to.
-- Ids only (the person's or household's registry ids and the decision's); names, documents and
-- the municipality come from the citizen projection when the list is read. One entry per office
-- and subject: the person (CIAM, OMAPED) or the household (ULE, subject = household id).
CREATE TABLE worklist_entries (
    office               text        NOT NULL,
    subject_id           text        NOT NULL,
    household_id         text        NOT NULL,
    person_id            text,                   -- the person decided about (null for the ULE)
    recipient_person_id  text,                   -- who eligibility would tell (the head, for the ULE)
    program              text        NOT NULL,
    reason               text        NOT NULL,
    decision_id          text        NOT NULL,
    since                date        NOT NULL,   -- the decision's as_of
    decided_at           timestamptz NOT NULL,   -- the decision event's time: a late older one loses
    PRIMARY KEY (office, subject_id)
);
CREATE INDEX worklist_entries_household ON worklist_entries (household_id);
CREATE INDEX worklist_entries_office_since ON worklist_entries (office, since DESC);

-- The last decision time seen per office and subject, also for removed entries: a redelivered or
-- late "eligible" older than a "no longer eligible" must not put the entry back.
CREATE TABLE worklist_seen (
    office       text        NOT NULL,
    subject_id   text        NOT NULL,
    decided_at   timestamptz NOT NULL,
    PRIMARY KEY (office, subject_id)
);
