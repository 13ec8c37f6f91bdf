-- Versions of a contract's terms. A version is never edited once its
-- effective_from has passed; later versions come from change requests.
CREATE TABLE terms_versions (
    contract_id       TEXT NOT NULL REFERENCES contracts (id),
    version           INTEGER NOT NULL,
    effective_from    BIGINT NOT NULL,
    -- The terms as JSON: SLA targets, KPIs, the contract's own scope lists.
    terms             TEXT NOT NULL,
    -- What the contract covered in this version, as JSON arrays of ids.
    customer_ids      TEXT NOT NULL,
    service_ids       TEXT NOT NULL,
    calendar_id       TEXT,
    change_request_id TEXT,
    created_by        TEXT REFERENCES users (id),
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (contract_id, version)
);
CREATE INDEX terms_versions_in_force ON terms_versions (contract_id, effective_from);

-- Change requests against a contract, and the steering group's decisions.
CREATE TABLE change_requests (
    id              TEXT PRIMARY KEY,
    contract_id     TEXT NOT NULL REFERENCES contracts (id),
    title           TEXT NOT NULL,
    rationale       TEXT NOT NULL,
    -- What it proposes, as JSON.
    changes         TEXT NOT NULL,
    effective_from  BIGINT,
    -- 'provider' or 'client'.
    side            TEXT NOT NULL,
    raised_by       TEXT NOT NULL REFERENCES users (id),
    -- draft, submitted, approved, rejected, applied, withdrawn.
    status          TEXT NOT NULL,
    submitted_at    BIGINT,
    decided_at      BIGINT,
    applied_at      BIGINT,
    applied_version INTEGER,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX change_requests_contract ON change_requests (contract_id, id);
CREATE INDEX change_requests_status ON change_requests (status, id);

CREATE TABLE change_decisions (
    change_request_id TEXT NOT NULL REFERENCES change_requests (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    -- 'approve' or 'reject'.
    verdict           TEXT NOT NULL,
    comment           TEXT NOT NULL,
    decided_at        BIGINT NOT NULL,
    -- Each member decides once.
    PRIMARY KEY (change_request_id, user_id)
);
