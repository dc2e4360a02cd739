-- ARCO requests (Ley 29733 arts. 19-22) this service received and answered: one row per request,
-- written when the request is handled and completed in the same transaction as its effect
-- (chasqui_common.application.arco). It holds no document and no name: the request names the
-- person, this row only records that a request of that kind was served, when, and its outcome.

CREATE TABLE arco_requests (
    request_id   uuid        PRIMARY KEY,
    right_kind   text        NOT NULL CHECK (right_kind IN ('identify', 'access', 'cancellation', 'opposition')),
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    completed_at timestamptz,
    outcome      text
);

CREATE INDEX arco_requests_received ON arco_requests (received_at);
