-- 好差评. One engine, several kinds of case: a rating's remedy (整改) is a case like an
-- application, in the same table, queue, clocks, audit trail and outbox; `kind` tells them
-- apart. Only what is really a rating's own is in its own table.
ALTER TABLE applications ADD COLUMN kind TEXT NOT NULL DEFAULT 'application';

-- One rating per case, by the person the case was for.
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY NOT NULL,
    -- The case rated.
    application_id BIGINT NOT NULL UNIQUE REFERENCES applications (id),
    rater_id BIGINT NOT NULL REFERENCES users (id),
    -- Copied from the case, so that the public figures need no join.
    department_id BIGINT NOT NULL REFERENCES departments (id),
    service_id BIGINT NOT NULL REFERENCES services (id),
    -- 1 非常不满意 … 5 非常满意.
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    -- JSON list of the preset reasons' codes.
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    -- Shown to nobody with the rater's name; no 回访.
    anonymous BOOLEAN NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    -- The Beijing month of the first rating, "YYYY-MM", for the monthly figures.
    month TEXT NOT NULL,
    -- Changes are accepted until then (7 days after the first rating).
    changeable_until TIMESTAMP NOT NULL,
    -- The remedy case a bad rating opened.
    remedy_id BIGINT REFERENCES applications (id),
    -- The rater's word on the remedy's outcome: "satisfied" or "unsatisfied".
    verdict TEXT,
    verdict_at TIMESTAMP
);
CREATE INDEX ratings_department_month ON ratings (department_id, month);
CREATE INDEX ratings_service_month ON ratings (service_id, month);
CREATE INDEX ratings_month ON ratings (month);
CREATE INDEX ratings_remedy ON ratings (remedy_id);
