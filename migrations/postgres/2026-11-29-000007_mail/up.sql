-- Mails are rendered (plain text and HTML, from the templates in templates/mail/) when they are
-- sent; the row keeps what they say and the page they point to.
ALTER TABLE outbox ADD COLUMN link_path TEXT;
-- The administrators' outbox page searches by recipient and lists newest first.
CREATE INDEX outbox_recipient ON outbox (recipient_email, id);
CREATE INDEX outbox_status_id ON outbox (status, id);

-- Digests to staff: how far each department's digest of each kind has been sent. A digest and
-- the move of its watermark are written in one transaction, so a digest is sent once and
-- nothing between two digests is skipped, whichever node writes it.
CREATE TABLE mail_digests (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    -- "arrivals" (new applications in the queue) or "deadlines" (the daily list).
    kind TEXT NOT NULL,
    covered_until TIMESTAMP NOT NULL,
    PRIMARY KEY (department_id, kind)
);
