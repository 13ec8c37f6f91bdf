-- Webhook subscriptions: an endpoint told of the events of some topics,
-- within one party's part of the chain (`party_id`; NULL: every contract,
-- an admin's). The signing secret is kept to sign each call (it cannot be
-- hashed like a token's) and shown once, when the subscription is made.
-- Deleting one archives it, so its past deliveries still name it.
CREATE TABLE webhook_subscriptions (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id),
    party_id    TEXT REFERENCES parties (id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner_id, id);
CREATE INDEX webhook_subscriptions_party ON webhook_subscriptions (party_id, id);

-- The topics of each subscription: the fan-out finds a topic's
-- subscriptions here.
CREATE TABLE webhook_topics (
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    topic           TEXT NOT NULL,
    PRIMARY KEY (subscription_id, topic)
);
CREATE INDEX webhook_topics_topic ON webhook_topics (topic, subscription_id);
