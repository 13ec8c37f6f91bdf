-- Users are person parties with a login; grants give them roles on parties.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    party_id      TEXT NOT NULL UNIQUE REFERENCES parties (id),
    email         TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL until an invited user sets a password.
    password_hash TEXT,
    archived_at   BIGINT,
    last_login_at BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE role_grants (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'client', 'customer', 'supplier', 'approver')),
    party_id   TEXT NOT NULL REFERENCES parties (id),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, role, party_id)
);
CREATE INDEX role_grants_party ON role_grants (party_id);
