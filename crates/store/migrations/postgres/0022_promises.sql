-- Promises: the date committed to the customer for each accepted request,
-- with the date first promised and how it was chosen. Renegotiations
-- change `date`; `renegotiated_late` records one agreed only after the
-- date it replaced had passed. `outcome` is set once, at fulfilment.
CREATE TABLE promises (
    request_id        TEXT PRIMARY KEY REFERENCES requests (id),
    date              BIGINT NOT NULL,
    original_date     BIGINT NOT NULL,
    basis             TEXT NOT NULL CHECK (basis IN ('sla', 'realistic', 'set')),
    sla_due           BIGINT,
    realistic         BIGINT,
    beyond_sla        BOOLEAN NOT NULL,
    started_at_risk   BOOLEAN NOT NULL,
    -- Whether the customer is part of the provider's own organisation: the
    -- integrity report sets internal and external side by side.
    internal          BOOLEAN NOT NULL,
    made_by           TEXT REFERENCES users (id),
    made_at           BIGINT NOT NULL,
    renegotiations    INTEGER NOT NULL DEFAULT 0,
    renegotiated_late BOOLEAN NOT NULL DEFAULT FALSE,
    outcome           TEXT CHECK (outcome IN ('kept', 'kept_renegotiated', 'broken')),
    settled_at        BIGINT
);
CREATE INDEX promises_settled ON promises (settled_at) WHERE settled_at IS NOT NULL;

-- New dates proposed for a promise. At most one is open per request: a new
-- proposal withdraws the one before. The customer answers in the portal or
-- through the single-use link in the email (a signed token naming the
-- proposal; only an open proposal takes an answer).
CREATE TABLE date_proposals (
    id            TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES promises (request_id),
    previous_date BIGINT NOT NULL,
    date          BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    proposed_by   TEXT NOT NULL REFERENCES users (id),
    proposed_at   BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'withdrawn')),
    answered_by   TEXT REFERENCES users (id),
    answered_at   BIGINT,
    answered_via  TEXT CHECK (answered_via IN ('portal', 'link', 'api')),
    in_time       BOOLEAN
);
CREATE INDEX date_proposals_request ON date_proposals (request_id, proposed_at);
