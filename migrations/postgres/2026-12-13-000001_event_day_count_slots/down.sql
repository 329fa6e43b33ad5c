CREATE TEMPORARY TABLE event_day_sums AS
    SELECT day, community_id, MIN(street_id) AS street_id, category_code, department_code,
           CAST(SUM(found) AS INTEGER) AS found, CAST(SUM(dispatched) AS INTEGER) AS dispatched,
           CAST(SUM(closed) AS INTEGER) AS closed,
           CAST(SUM(closed_on_time) AS INTEGER) AS closed_on_time
    FROM event_day_counts GROUP BY day, community_id, category_code, department_code;
DELETE FROM event_day_counts;
ALTER TABLE event_day_counts DROP CONSTRAINT event_day_counts_pkey;
ALTER TABLE event_day_counts DROP COLUMN slot;
ALTER TABLE event_day_counts ADD PRIMARY KEY (day, community_id, category_code, department_code);
INSERT INTO event_day_counts SELECT * FROM event_day_sums;
DROP TABLE event_day_sums;
