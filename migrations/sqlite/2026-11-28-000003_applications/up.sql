-- Form definitions (versioned per service), applications and their event trail.
CREATE TABLE form_definitions (
    id INTEGER PRIMARY KEY NOT NULL,
    service_id BIGINT NOT NULL REFERENCES services (id),
    version INTEGER NOT NULL,
    -- JSON, see domain/forms.rs.
    definition TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (service_id, version)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY NOT NULL,
    -- Given at submission; drafts have none.
    tracking_number TEXT UNIQUE,
    service_id BIGINT NOT NULL REFERENCES services (id),
    -- The form version it was filled with: later versions never change it.
    form_definition_id BIGINT NOT NULL REFERENCES form_definitions (id),
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    -- The values as typed (JSON pairs), so that a draft keeps even what is not valid yet.
    input TEXT NOT NULL,
    -- The validated values (JSON object), set at submission.
    data TEXT,
    -- Optimistic concurrency: every change increments it.
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP
);
CREATE INDEX applications_applicant_updated ON applications (applicant_id, updated_at);
CREATE INDEX applications_service_status ON applications (service_id, status);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    actor_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT,
    client_address TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id, id);
