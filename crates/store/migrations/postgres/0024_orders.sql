-- Orders. A service says how it is ordered (`ordering`: a line's maximum,
-- whole units only, a unit's volume, weight and units per pallet, and the
-- thresholds of the quantity check) as JSON. Each order line is kept with
-- its request, in thousandths of the service's unit, with the question it
-- raised and how that was settled; lines imported from an earlier system
-- (`source = 'import'`, no request) count as history too. The check reads
-- a customer's last orders of an item, newest first, from the history
-- index alone: it holds the quantity and leaves out the lines of cancelled
-- orders (`cancelled_at`, set as the order is cancelled).
ALTER TABLE services ADD COLUMN ordering TEXT NOT NULL DEFAULT '{}';
CREATE TABLE order_lines (
    id             TEXT NOT NULL PRIMARY KEY,
    request_id     TEXT REFERENCES requests (id),
    line_no        INTEGER NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES parties (id),
    service_id     TEXT NOT NULL REFERENCES services (id),
    quantity_milli BIGINT NOT NULL CHECK (quantity_milli > 0),
    typed_milli    BIGINT NOT NULL CHECK (typed_milli > 0),
    unit           TEXT NOT NULL CHECK (unit IN ('unit', 'piece')),
    question       TEXT,
    answer         TEXT CHECK (answer IN ('confirmed', 'changed')),
    asked_milli    BIGINT,
    ordered_at     BIGINT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('request', 'import')),
    reference      TEXT,
    cancelled_at   BIGINT
);
CREATE INDEX order_lines_history ON order_lines (customer_id, service_id, ordered_at, quantity_milli)
    WHERE cancelled_at IS NULL;
CREATE INDEX order_lines_item ON order_lines (service_id, ordered_at);
CREATE INDEX order_lines_request ON order_lines (request_id, line_no);
CREATE UNIQUE INDEX order_lines_reference ON order_lines (reference) WHERE reference IS NOT NULL;
