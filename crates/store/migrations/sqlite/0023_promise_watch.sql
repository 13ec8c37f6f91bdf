-- Watching promises. The watch re-plans each team and marks a promise at
-- risk when the plan finishes it after its date or the configured share
-- of its business time is used: since when, why (`plan` or `time`), the
-- plan's projection and the suggested action. `risk_raised_for` is the
-- date for which the `promise_at_risk` event was raised, so it is raised
-- once per promised date.
ALTER TABLE promises ADD COLUMN at_risk_since BIGINT;
ALTER TABLE promises ADD COLUMN risk_reason TEXT CHECK (risk_reason IN ('plan', 'time'));
ALTER TABLE promises ADD COLUMN projected BIGINT;
ALTER TABLE promises ADD COLUMN suggestion TEXT CHECK (suggestion IN ('renegotiate', 'reassign', 'split'));
ALTER TABLE promises ADD COLUMN risk_raised_for BIGINT;
CREATE INDEX promises_at_risk ON promises (date) WHERE at_risk_since IS NOT NULL AND outcome IS NULL;
