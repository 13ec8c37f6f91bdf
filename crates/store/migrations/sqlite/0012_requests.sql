-- Requests: the work on a contract. `number` is SQLite's rowid, so numbers
-- come in order without a counter row that every insert would contend for.
CREATE TABLE requests (
    number          INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    contract_id     TEXT NOT NULL REFERENCES contracts (id),
    customer_id     TEXT NOT NULL REFERENCES parties (id),
    requester_id    TEXT NOT NULL REFERENCES users (id),
    service_id      TEXT NOT NULL REFERENCES services (id),
    kind            TEXT NOT NULL,
    priority        TEXT NOT NULL,
    quantity        BIGINT,
    effort_secs     BIGINT,
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    terms_version   INTEGER,
    calendar_id     TEXT REFERENCES calendars (id),
    override_reason TEXT,
    cancel_reason   TEXT,
    escalated_from  TEXT REFERENCES requests (id),
    raised_by_party TEXT REFERENCES parties (id),
    -- The SLA clocks as JSON (start, pauses, stop, alarms raised): they are
    -- always read and written with the request, so they live in its row.
    clocks          TEXT NOT NULL,
    -- Derived from the clocks on every write, for the queue and the timers:
    -- the earliest due instant of a running clock, the next alarm, and
    -- whether a clock still counting raised its at-risk or breach alarm.
    sla_due_at      BIGINT,
    next_alarm_at   BIGINT,
    sla_at_risk     INTEGER NOT NULL DEFAULT 0 CHECK (sla_at_risk IN (0, 1)),
    sla_breached    INTEGER NOT NULL DEFAULT 0 CHECK (sla_breached IN (0, 1)),
    -- The seq of the last event.
    last_seq        INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX requests_contract ON requests (contract_id, number);
CREATE INDEX requests_customer ON requests (customer_id, number);
CREATE INDEX requests_requester ON requests (requester_id, number);
-- The agent queue: open requests, breached first, then by due instant.
CREATE INDEX requests_queue ON requests (status, sla_breached, sla_due_at);
-- The timers find due alarms here, never by scanning open requests.
CREATE INDEX requests_next_alarm ON requests (next_alarm_at) WHERE next_alarm_at IS NOT NULL;
CREATE INDEX requests_escalated_from ON requests (escalated_from) WHERE escalated_from IS NOT NULL;

-- Each request's history, appended to and never rewritten.
CREATE TABLE request_events (
    request_id TEXT NOT NULL REFERENCES requests (id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT REFERENCES users (id),
    actor      TEXT NOT NULL,
    -- Whether the customer's side sees it (internal notes do not).
    public     INTEGER NOT NULL CHECK (public IN (0, 1)),
    body       TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (request_id, seq)
);
