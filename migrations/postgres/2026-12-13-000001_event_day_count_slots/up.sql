-- A day's count of a community, category and department was one row, updated by every event
-- reported there that day and locked until the reporting transaction committed. A grid
-- worker's reports are near one another, so concurrent reports queued on that row: under the
-- benchmark's reports (G2) each waited about 1.9 ms for it on PostgreSQL (pg_stat_statements).
-- Each count is now kept in 16 slots, chosen by the event's application, and read as their
-- sum, as queue_counts is.
ALTER TABLE event_day_counts ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_day_counts DROP CONSTRAINT event_day_counts_pkey;
ALTER TABLE event_day_counts ADD PRIMARY KEY (day, community_id, category_code, department_code, slot);
ALTER TABLE event_day_counts ALTER COLUMN slot DROP DEFAULT;
