CREATE TABLE queue_counts_single (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    status TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (department_id, status)
);
INSERT INTO queue_counts_single (department_id, status, count)
    SELECT department_id, status, SUM(count) FROM queue_counts GROUP BY department_id, status;
DROP TABLE queue_counts;
ALTER TABLE queue_counts_single RENAME TO queue_counts;
