-- The workflow engine: versioned definitions, the working-day calendar, the legal clocks of
-- each application, sign-offs of joint review, internal notes, supervision cards and the
-- outbox the engine writes notifications to.
CREATE TABLE workflow_definitions (
    id INTEGER PRIMARY KEY NOT NULL,
    -- Shared by every version of one workflow, e.g. "default".
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- JSON, see domain/workflow.rs. Never updated once published.
    definition TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT REFERENCES users (id),
    UNIQUE (key, version)
);

-- Which workflow a service runs (the newest published version of that key is used at submission).
ALTER TABLE services ADD COLUMN workflow_key TEXT NOT NULL DEFAULT 'default';

-- Exceptions to "Monday to Friday": weekday holidays and weekend make-up working days.
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY NOT NULL,
    -- "holiday" or "workday".
    kind TEXT NOT NULL,
    note TEXT NOT NULL
);

-- The language mails are written in.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';

-- Pinned at submission: the workflow version, the owning department (for its queue) and the
-- service's periods, so that later edits to the catalog or the workflow change nothing here.
ALTER TABLE applications ADD COLUMN workflow_definition_id BIGINT REFERENCES workflow_definitions (id);
ALTER TABLE applications ADD COLUMN department_id BIGINT REFERENCES departments (id);
ALTER TABLE applications ADD COLUMN promised_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN legal_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN assignee_id BIGINT REFERENCES users (id);
-- The facts the clocks are computed from (domain/clock.rs).
ALTER TABLE applications ADD COLUMN received_on DATE;
ALTER TABLE applications ADD COLUMN accepted_on DATE;
ALTER TABLE applications ADD COLUMN deemed_accepted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE applications ADD COLUMN paused_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN paused_since DATE;
ALTER TABLE applications ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN decided_on DATE;
ALTER TABLE applications ADD COLUMN on_time BOOLEAN;
ALTER TABLE applications ADD COLUMN decision TEXT;
-- Recomputed at every transition, so that queues sort and filter by deadline with an index:
-- the deadline of the current phase, the first day of its warning, and the red-card day.
ALTER TABLE applications ADD COLUMN due_on DATE;
ALTER TABLE applications ADD COLUMN warn_on DATE;
ALTER TABLE applications ADD COLUMN hard_due_on DATE;
CREATE INDEX applications_queue ON applications (department_id, status, due_on, id);
CREATE INDEX applications_queue_newest ON applications (department_id, status, submitted_at, id);
-- The queue across all open states, most urgent first (ended and paused ones sort last).
CREATE INDEX applications_queue_deadline ON applications (department_id, due_on, id);
CREATE INDEX applications_assignee ON applications (assignee_id, status);
CREATE INDEX applications_workflow_status ON applications (workflow_definition_id, status);

-- The audit trail also records which department the application belongs to, and what a
-- transition carried (the 补正 checklist), so that it can be searched without joins.
ALTER TABLE application_events ADD COLUMN department_id BIGINT REFERENCES departments (id);
ALTER TABLE application_events ADD COLUMN details TEXT;
CREATE INDEX application_events_department ON application_events (department_id, created_at);
CREATE INDEX application_events_actor ON application_events (actor_id, created_at);

-- 并联审批: who has signed off in a co-reviewed state.
CREATE TABLE application_sign_offs (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    state TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    actor_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, state, department_id)
);
CREATE INDEX application_sign_offs_department ON application_sign_offs (department_id, application_id);

-- Notes among staff; never shown to the applicant.
CREATE TABLE application_notes (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_notes_application ON application_notes (application_id, id);

-- 效能监察: the cards the system gave, one per level and deadline.
CREATE TABLE supervision_cards (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    -- "warning", "yellow" or "red".
    level TEXT NOT NULL,
    due_on DATE NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, level, due_on)
);
CREATE INDEX supervision_cards_department ON supervision_cards (department_id, issued_at);

-- Mails to send, written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT REFERENCES applications (id),
    recipient_id BIGINT REFERENCES users (id),
    recipient_email TEXT NOT NULL,
    lang TEXT NOT NULL,
    -- What happened, e.g. "transition:accept"; with the texts as rendered at the time.
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- "pending", "sent" or "dead".
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_application ON outbox (application_id);

-- Applications per department and state, kept in the same transaction as every change of
-- state, so that the queue's counts are one indexed read instead of a count over the
-- department's applications.
CREATE TABLE queue_counts (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    status TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (department_id, status)
);
