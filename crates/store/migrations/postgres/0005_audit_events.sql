-- The audit log: who changed what. Written in the same transaction as the
-- change it describes. No foreign keys, so the log outlives what it mentions.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_user_id TEXT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    details       TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, id);

-- Append-only, enforced by the database itself.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
