-- Browser sessions. The key is the SHA-256 of the session id in the cookie,
-- so a copy of this table cannot be replayed to sign in.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id),
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- API tokens: only the SHA-256 of the secret is kept. The secret is 32
-- random bytes, so a fast hash is as safe here as a slow password hash, and
-- checking a token costs one indexed lookup per request.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One-time links with which an invited user sets their password.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX invitations_user ON invitations (user_id);
