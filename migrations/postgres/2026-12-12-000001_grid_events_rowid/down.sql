DROP INDEX grid_events_grid;
CREATE INDEX grid_events_grid ON grid_events (grid_id, reported_at);
