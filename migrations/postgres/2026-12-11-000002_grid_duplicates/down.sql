DROP INDEX grid_events_type_place;
CREATE INDEX grid_events_type_time ON grid_events (event_type, reported_at);
