-- The service chain: directed supplier -> customer links between parties.
-- The graph stays acyclic: the store checks for a loop before inserting,
-- under a lock (PostgreSQL) or the single writer (SQLite).
CREATE TABLE links (
    id          TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES parties (id),
    customer_id TEXT NOT NULL REFERENCES parties (id),
    label       TEXT,
    archived_at BIGINT,
    created_at  BIGINT NOT NULL,
    CHECK (supplier_id <> customer_id)
);
-- At most one active link between the same two parties.
CREATE UNIQUE INDEX links_active_pair ON links (supplier_id, customer_id) WHERE archived_at IS NULL;
CREATE INDEX links_customer ON links (customer_id);
