-- A day's count of a community, category and department is kept in 16 slots, chosen by the
-- event's application, and read as their sum, so that concurrent reports near one another do
-- not queue on one row (see the PostgreSQL migration; SQLite has one writer anyway, and keeps
-- the same schema).
CREATE TABLE event_day_counts_slotted (
    day DATE NOT NULL,
    community_id BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    category_code TEXT NOT NULL,
    department_code TEXT NOT NULL,
    found INTEGER NOT NULL,
    dispatched INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    closed_on_time INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    PRIMARY KEY (day, community_id, category_code, department_code, slot)
);
INSERT INTO event_day_counts_slotted
    SELECT day, community_id, street_id, category_code, department_code, found, dispatched,
           closed, closed_on_time, 0
    FROM event_day_counts;
DROP TABLE event_day_counts;
ALTER TABLE event_day_counts_slotted RENAME TO event_day_counts;
