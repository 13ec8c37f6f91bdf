-- One counter that every audited write moves on, in its own transaction:
-- parties, links, calendars, services, contracts, terms, change requests,
-- users and roles. Servers cache that reference data in memory and check
-- the counter with each request's authentication, so an edit made through
-- any server is seen by every server's next request.
CREATE TABLE generation (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO generation (id, value) VALUES (1, 0);
