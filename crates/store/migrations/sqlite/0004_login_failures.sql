-- Failed sign-ins, counted per account and per address to rate-limit
-- guessing. Kept in the database (not in memory) so the limit holds across
-- several `kept serve` processes and restarts.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    email   TEXT NOT NULL,
    address TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
