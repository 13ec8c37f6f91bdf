-- Responses remembered for POSTs that carried an Idempotency-Key, per user.
-- `status` is NULL while the first request is still being processed, which
-- is how a concurrent repeat is told to wait rather than run twice.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    -- SHA-256 of the method, path and body: the same key with a different
    -- request is refused.
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BLOB,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
