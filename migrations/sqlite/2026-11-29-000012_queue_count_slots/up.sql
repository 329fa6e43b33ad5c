-- A department's count of a state is kept in 16 slots, chosen by the application, and read as
-- their sum, so that concurrent writers of one department do not queue on one row (see the
-- PostgreSQL migration; SQLite has one writer anyway, and keeps the same schema).
CREATE TABLE queue_counts_slotted (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    status TEXT NOT NULL,
    slot INTEGER NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (department_id, status, slot)
);
INSERT INTO queue_counts_slotted (department_id, status, slot, count)
    SELECT department_id, status, 0, count FROM queue_counts;
DROP TABLE queue_counts;
ALTER TABLE queue_counts_slotted RENAME TO queue_counts;
