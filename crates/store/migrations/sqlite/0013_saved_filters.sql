-- Queue filters a user saved under a name: the query string of the queue
-- page, replayed as a link. Saving a name again replaces its query.
CREATE TABLE saved_filters (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
