-- Contracts: provider, client (who placed it), the customers it serves, the
-- services it covers, its calendar and its steering group.
CREATE TABLE contracts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    sort_name         TEXT NOT NULL,
    provider_id       TEXT NOT NULL REFERENCES parties (id),
    client_id         TEXT NOT NULL REFERENCES parties (id),
    calendar_id       TEXT REFERENCES calendars (id),
    -- A local date, YYYY-MM-DD.
    probation_ends_on TEXT,
    -- 'all', 'majority', or the number of approvals needed.
    quorum            TEXT NOT NULL,
    archived_at       BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CHECK (provider_id <> client_id)
);
CREATE INDEX contracts_provider ON contracts (provider_id);
CREATE INDEX contracts_client ON contracts (client_id);
CREATE INDEX contracts_sort_name ON contracts (sort_name, id);

CREATE TABLE contract_customers (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    party_id    TEXT NOT NULL REFERENCES parties (id),
    PRIMARY KEY (contract_id, party_id)
);
CREATE INDEX contract_customers_party ON contract_customers (party_id);

CREATE TABLE contract_services (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    service_id  TEXT NOT NULL REFERENCES services (id),
    PRIMARY KEY (contract_id, service_id)
);

-- The steering group: the users who approve change requests.
CREATE TABLE contract_approvers (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (contract_id, user_id)
);
CREATE INDEX contract_approvers_user ON contract_approvers (user_id);
