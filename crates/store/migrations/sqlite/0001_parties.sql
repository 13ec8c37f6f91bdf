-- Parties: organisations, sites, departments, teams and people, nested.
-- Instants are integer microseconds since the Unix epoch, UTC.
CREATE TABLE parties (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('organisation', 'site', 'department', 'team', 'person')),
    name        TEXT NOT NULL,
    -- Lower-cased name, kept beside it so that lists sort by name on an index.
    sort_name   TEXT NOT NULL,
    parent_id   TEXT REFERENCES parties (id),
    -- 0 or 1: sqlx's Any driver carries no SQLite boolean type.
    internal    INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    reference   TEXT UNIQUE,
    archived_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX parties_parent ON parties (parent_id);
CREATE INDEX parties_sort_name ON parties (sort_name, id);

-- The transitive closure of the nesting: one row per (ancestor, descendant)
-- pair, including each party with itself at depth 0. Scoping a query to
-- "everything under the parties this user holds roles on" is then a join on
-- an index instead of a recursive walk.
CREATE TABLE party_ancestors (
    ancestor_id   TEXT NOT NULL REFERENCES parties (id),
    descendant_id TEXT NOT NULL REFERENCES parties (id),
    depth         INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
) WITHOUT ROWID;
CREATE INDEX party_ancestors_descendant ON party_ancestors (descendant_id, depth);
