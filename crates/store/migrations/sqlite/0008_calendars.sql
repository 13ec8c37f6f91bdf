-- Business calendars, kept in the calendar crate's format as JSON text:
-- validated by Kept on every save, read back and validated again on load.
CREATE TABLE calendars (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES parties (id),
    name        TEXT NOT NULL,
    sort_name   TEXT NOT NULL,
    spec        TEXT NOT NULL,
    archived_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX calendars_owner ON calendars (owner_id);
CREATE INDEX calendars_sort_name ON calendars (sort_name, id);
