-- Indexes for the attention map over a period, from the benchmark over 1,000,000 attention records
-- (services/citizen-attention/benchmarks/bench_attention.py; docs/benchmarks.md).
-- Numbered 0010 so it never shares a number with the migrations added beside it in the same change.

-- The process map of a period: attentions_process leads with the procedure and the person, not
-- the day, so a month's map read every attention of the procedure ever recorded. This one ranges
-- over the period's days and carries what the steps and the transitions read (index-only).
CREATE INDEX attentions_process_period ON attentions (ubigeo, office, procedure, day)
    INCLUDE (citizen_id, started_at, step, duration_seconds);

-- The queue figures (tickets, no-shows, waiting times per office and day) without a heap visit.
CREATE INDEX tickets_figures ON tickets (ubigeo, day, office) INCLUDE (status, issued_at, called_at);

-- S100 deadline compliance of a period: the requests registered in it (there was only
-- (ubigeo, status), so every request of the municipality was read).
CREATE INDEX classification_requests_registered ON classification_requests (ubigeo, registered_on);
