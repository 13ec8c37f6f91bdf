-- Mail in. A contract may take new requests by email at an address of its
-- own; one address leads to one contract (compared lower-cased, as every
-- address Kept stores is).
ALTER TABLE contracts ADD COLUMN intake_address TEXT;
CREATE UNIQUE INDEX contracts_intake_address ON contracts (intake_address)
    WHERE intake_address IS NOT NULL;

-- Every message taken in, whatever became of it. The Message-ID is unique,
-- so a message piped twice (an MTA retrying after a timeout) is acted on
-- once: its row is written in the transaction that acts on it. A message
-- without one is known by a hash of its bytes.
CREATE TABLE inbound_mail (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL UNIQUE,
    sender      TEXT NOT NULL,
    -- Its To, Cc and Delivered-To addresses, a JSON array.
    recipients  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    outcome     TEXT NOT NULL
        CHECK (outcome IN ('replied', 'raised', 'refused', 'ignored', 'unknown_sender')),
    reason      TEXT,
    request_id  TEXT REFERENCES requests (id),
    -- The attachments not kept, a JSON array of {name, size}.
    attachments TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX inbound_mail_received ON inbound_mail (received_at);
