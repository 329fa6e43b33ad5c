CREATE TABLE event_day_counts_single (
    day DATE NOT NULL,
    community_id BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    category_code TEXT NOT NULL,
    department_code TEXT NOT NULL,
    found INTEGER NOT NULL,
    dispatched INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    closed_on_time INTEGER NOT NULL,
    PRIMARY KEY (day, community_id, category_code, department_code)
);
INSERT INTO event_day_counts_single
    SELECT day, community_id, MIN(street_id), category_code, department_code, SUM(found),
           SUM(dispatched), SUM(closed), SUM(closed_on_time)
    FROM event_day_counts GROUP BY day, community_id, category_code, department_code;
DROP TABLE event_day_counts;
ALTER TABLE event_day_counts_single RENAME TO event_day_counts;
