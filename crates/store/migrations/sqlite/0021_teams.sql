-- Teams and capacity. A team is a party of kind team; its members are
-- logins, each with the calendar they work on (none: around the clock,
-- UTC) and the share of their hours available for planned work.
CREATE TABLE team_members (
    team_id       TEXT NOT NULL REFERENCES parties (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    calendar_id   TEXT REFERENCES calendars (id),
    share_percent INTEGER NOT NULL CHECK (share_percent BETWEEN 1 AND 100),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- Days a member is away: local dates in their calendar's zone, as ISO text
-- (which sorts as the dates do), both ends included. Removing a member
-- removes their absences in the same transaction.
CREATE TABLE absences (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL CHECK (ends_on >= starts_on),
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (team_id, user_id) REFERENCES team_members (team_id, user_id)
);
CREATE INDEX absences_member ON absences (team_id, user_id, starts_on);

-- Who works a request: a team (a party of kind team) and, optionally, one
-- of its members. The planner reads a team's open work by this index.
ALTER TABLE requests ADD COLUMN team_id TEXT REFERENCES parties (id);
ALTER TABLE requests ADD COLUMN assignee_id TEXT REFERENCES users (id);
CREATE INDEX requests_team ON requests (team_id, status) WHERE team_id IS NOT NULL;

-- The team a service's new requests are assigned to at intake.
ALTER TABLE services ADD COLUMN default_team_id TEXT REFERENCES parties (id);
