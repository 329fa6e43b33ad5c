-- Uploaded materials, kept in the database so that every node serves every file, and the
-- pledges for materials that may follow (容缺).
CREATE TABLE application_files (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    -- The material of the service's guide this file is for.
    material_name TEXT NOT NULL,
    -- As the applicant's computer named it (path parts removed); never used as a path.
    original_name TEXT NOT NULL,
    -- Detected from the content, not from the name or the browser's claim.
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id, id);

CREATE TABLE material_pledges (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    material_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, material_name)
);
