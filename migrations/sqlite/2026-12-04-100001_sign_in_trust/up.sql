-- Where an account has signed in successfully before: a device (the hash of a random token kept
-- in a long-lived cookie) or a client address (its hash). A sign-in from either is never refused
-- by the throttle that protects an account under attack from elsewhere.
CREATE TABLE sign_in_trust (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('device', 'address')),
    value_hash TEXT NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, kind, value_hash)
);
