-- Drafts of a service's application form: kept with their problems until published as the
-- next form version (or discarded); one open draft per service at a time.
CREATE TABLE form_drafts (
    id INTEGER PRIMARY KEY NOT NULL,
    service_id BIGINT NOT NULL REFERENCES services (id),
    -- The form version the draft started from; publishing needs it to still be the newest.
    based_on INTEGER NOT NULL,
    source TEXT NOT NULL,
    problems TEXT NOT NULL,
    lock_version INTEGER NOT NULL,
    published_version INTEGER,
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX form_drafts_service ON form_drafts (service_id, id);
