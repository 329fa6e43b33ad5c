-- A report looks for an open event of its type within 50 m reported in the last 24 hours.
-- By (type, time) it read every event of the type of the last day and kept the newest 200,
-- so that a busy type's duplicate could be missed and a report cost grew with the type's
-- day; by (type, latitude) it reads the band of about 100 m around the point, and the time
-- is filtered in the index.
DROP INDEX grid_events_type_time;
CREATE INDEX grid_events_type_place ON grid_events (event_type, latitude, reported_at);
