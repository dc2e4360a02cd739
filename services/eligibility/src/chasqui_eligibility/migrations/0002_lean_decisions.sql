-- What is stored per decision (issue 17): the event path records ~24 units per household, so each
-- row keeps what the API and the audit read: the outcome, benefit, points, rule-set version, date,
-- cause and the names of the criteria that failed. The per-criterion explanation (values seen and
-- texts) is computed when a decision is read (GET /v1/households/{id}/eligibility), from the
-- projection and the rule-set version; rows recorded before keep their full `criteria`.
ALTER TABLE decisions ALTER COLUMN criteria DROP NOT NULL;
ALTER TABLE decisions ADD COLUMN failed_criteria text[];
ALTER TABLE decision_log ALTER COLUMN criteria DROP NOT NULL;
ALTER TABLE decision_log ADD COLUMN failed_criteria text[];
