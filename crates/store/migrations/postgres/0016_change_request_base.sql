-- A change request records the terms version it was drafted against and
-- its proposal: the differences from that version, as JSON. Applying it
-- onto a newer version applies only those differences, so approved changes
-- made in between are never undone.
ALTER TABLE change_requests ADD COLUMN base_version INTEGER;
ALTER TABLE change_requests ADD COLUMN proposal TEXT;

-- Change requests raised before this migration: their base is the latest
-- version made before they were last edited (a draft is edited until it is
-- submitted). Their proposal is left NULL and worked out when read.
UPDATE change_requests SET base_version = (
    SELECT MAX(tv.version) FROM terms_versions tv
    WHERE tv.contract_id = change_requests.contract_id
      AND tv.created_at <= COALESCE(change_requests.submitted_at, change_requests.updated_at)
);
