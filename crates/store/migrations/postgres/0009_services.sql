-- The service catalog. Scope lists are JSON arrays of text; durations are
-- whole seconds of business time.
CREATE TABLE services (
    id                     TEXT PRIMARY KEY,
    provider_id            TEXT NOT NULL REFERENCES parties (id),
    name                   TEXT NOT NULL,
    sort_name              TEXT NOT NULL,
    description            TEXT NOT NULL,
    unit                   TEXT,
    pack_size              BIGINT CHECK (pack_size IS NULL OR pack_size >= 1),
    in_scope               TEXT NOT NULL,
    out_of_scope           TEXT NOT NULL,
    default_effort_seconds BIGINT,
    first_response_seconds BIGINT,
    resolution_seconds     BIGINT,
    delivery_seconds       BIGINT,
    archived_at            BIGINT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX services_provider ON services (provider_id, sort_name, id);
CREATE INDEX services_sort_name ON services (sort_name, id);
