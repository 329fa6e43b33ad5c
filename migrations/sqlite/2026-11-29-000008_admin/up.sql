-- Administrators edit workflows as drafts, publish them as new versions, and every change they
-- make is recorded with what it was before and after.
CREATE TABLE workflow_drafts (
    id INTEGER PRIMARY KEY NOT NULL,
    -- The workflow the draft will publish a version of.
    key TEXT NOT NULL,
    -- The version it was started from (none for a new workflow or an import).
    based_on INTEGER,
    -- The definition as typed (TOML or JSON), kept even while it has problems.
    source TEXT NOT NULL,
    -- The problems found at the last save, one per line; empty when it can be published.
    problems TEXT NOT NULL,
    -- Raised by every save: a save based on an older value is refused (optimistic locking).
    lock_version INTEGER NOT NULL,
    -- Set when published; a published draft is read-only.
    published_version INTEGER,
    created_by BIGINT REFERENCES users (id),
    updated_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX workflow_drafts_key ON workflow_drafts (key, id);

CREATE TABLE admin_events (
    id INTEGER PRIMARY KEY NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    -- What was done, e.g. "workflow.publish", "workflow.assign", "calendar.add".
    kind TEXT NOT NULL,
    -- What it was done to, e.g. "default v3" or "2027-02-11".
    subject TEXT NOT NULL,
    before TEXT,
    after TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX admin_events_created ON admin_events (id);
CREATE INDEX services_workflow ON services (workflow_key);
