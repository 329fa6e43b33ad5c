CREATE TEMPORARY TABLE queue_totals AS
    SELECT department_id, status, CAST(SUM(count) AS BIGINT) AS count
    FROM queue_counts GROUP BY department_id, status;
DELETE FROM queue_counts;
ALTER TABLE queue_counts DROP CONSTRAINT queue_counts_pkey;
ALTER TABLE queue_counts DROP COLUMN slot;
ALTER TABLE queue_counts ADD PRIMARY KEY (department_id, status);
INSERT INTO queue_counts (department_id, status, count)
    SELECT department_id, status, count FROM queue_totals;
DROP TABLE queue_totals;
