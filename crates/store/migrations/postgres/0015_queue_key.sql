-- The queue's order as one integer (kept_domain::queue::key), rewritten
-- with the derived SLA columns on every write, so that an index serves the
-- order and its status filter, and a page reads about a page of rows
-- however many requests are open: breached first (by due instant, then
-- those with no clock running), then by due instant, then open requests
-- with no clock running, then closed ones; ties by number.
ALTER TABLE requests ADD COLUMN queue_key BIGINT NOT NULL DEFAULT 9223372036854775807;
UPDATE requests SET queue_key = CASE
        WHEN sla_breached AND sla_due_at IS NOT NULL THEN -4611686018427387904 + sla_due_at
        WHEN sla_breached THEN -2305843009213693952
        WHEN sla_due_at IS NOT NULL THEN sla_due_at
        ELSE 9223372036854775806
    END
    WHERE status IN ('new', 'acknowledged', 'in_progress', 'awaiting_customer');
DROP INDEX requests_queue;
CREATE INDEX requests_queue ON requests (queue_key, number);
CREATE INDEX requests_status_queue ON requests (status, queue_key, number);
-- The newest first within one status.
CREATE INDEX requests_status_number ON requests (status, number);
