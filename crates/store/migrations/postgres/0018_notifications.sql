-- Notifications. The outbox holds one row per event someone is told
-- about, written in the transaction that records the event; the delivery
-- job fans each row out to deliveries (one message to one recipient by one
-- channel) and marks it dispatched, in one transaction. `due_at` is when
-- a row may next be claimed: a claim moves it on by a lease, so a server
-- that dies mid-work leaves the row to be claimed again, never lost.
CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    request_id    TEXT REFERENCES requests (id),
    seq           BIGINT,
    change_request_id TEXT REFERENCES change_requests (id),
    -- What else the fan-out needs (an address to answer, a reason), JSON.
    data          TEXT,
    created_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    dispatched_at BIGINT
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE dispatched_at IS NULL;

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    outbox_id       TEXT NOT NULL REFERENCES outbox (id),
    topic           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- An email address, or a webhook subscription's id.
    recipient       TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id),
    -- What to say, as JSON, fixed when the outbox row was fanned out.
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'failed', 'sent', 'dead')),
    due_at          BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at BIGINT,
    sent_at         BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (outbox_id, channel, recipient)
);
-- The job finds due work here, never by scanning what was sent.
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE state IN ('pending', 'failed');
CREATE INDEX deliveries_state ON deliveries (state, created_at);

-- Every attempt, kept for the admin page.
CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    attempt     INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    ok          BOOLEAN NOT NULL,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- Mail kept in the database instead of sent, when no SMTP server is
-- configured (the demo's mail view). Written in the transaction that marks
-- its delivery sent, so each is kept once.
CREATE TABLE kept_mail (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL UNIQUE REFERENCES deliveries (id),
    recipient   TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id),
    request_id  TEXT REFERENCES requests (id),
    subject     TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX kept_mail_created ON kept_mail (created_at);
CREATE INDEX kept_mail_recipient ON kept_mail (recipient, created_at);

-- Keys the servers share (the HMAC key of reply and unsubscribe tokens),
-- made by whichever server needs one first.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which topics a person does not want by email (absent: they do).
CREATE TABLE notification_opt_outs (
    user_id    TEXT NOT NULL REFERENCES users (id),
    topic      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, topic)
);
